import FlowModel
import Testing

struct GraphTests {
    static let yaml = """
    flow: g
    start: menu
    session: { reentry: back }
    templates:
      hi: { language: en_US, category: UTILITY, body: "Hi {{1}}", buttons: [{ quick_reply: Go }] }
    nodes:
      menu:
        buttons:
          body: "Pick \\"one\\""
          options: [{ title: Track, goto: ask }, { title: Stop, goto: end }]
      ask:
        ask: Order?
        timeout: { after: 30h, goto: nudge }
        goto: end
      nudge: { text: Still there?, goto: end }
      back: { template: hi, params: [x], on_reply: resume }
    """

    @Test("Mermaid: kinds as shapes, choices as labels, timeouts dashed, re-entry bold")
    func mermaid() throws {
        let flow = try #require(FlowLoader.load(yaml: Self.yaml, file: "g.yaml").flow)
        let text = FlowGraph.render(flow, as: .mermaid)
        #expect(text.hasPrefix("flowchart TD\n"))
        #expect(text.contains("  menu([\"menu<br/>buttons\"])"))
        #expect(text.contains("  back[[\"back<br/>template\"]]"))
        #expect(text.contains("  menu -->|\"Track\"| ask"))
        #expect(text.contains("  menu -->|\"Stop\"| __end"))
        #expect(text.contains("  ask -.->|\"no reply in 1d6h\"| nudge"))
        #expect(text.contains("  nudge ==>|\"window closed\"| back"))
        // The menu runs right after a customer message: no re-entry edge is drawn from it.
        #expect(!text.contains("  menu ==>"))
    }

    @Test("DOT: quoted names, dashed timeouts, bold re-entry")
    func dot() throws {
        let flow = try #require(FlowLoader.load(yaml: Self.yaml, file: "g.yaml").flow)
        let text = FlowGraph.render(flow, as: .dot)
        #expect(text.hasPrefix("digraph \"g\" {"))
        #expect(text.contains("\"ask\" -> \"nudge\" [label=\"no reply in 1d6h\", style=dashed];"))
        #expect(text.contains("\"nudge\" -> \"back\" [label=\"window closed\", style=bold"))
        #expect(text.contains("\"back\" [label=\"back\\ntemplate\", shape=box, peripheries=2];"))
        #expect(text.hasSuffix("}\n"))
    }
}
