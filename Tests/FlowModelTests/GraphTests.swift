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
        #expect(text.contains("  n_menu([\"menu<br/>buttons\"])"))
        #expect(text.contains("  n_back[[\"back<br/>template\"]]"))
        #expect(text.contains("  n_menu -->|\"Track\"| n_ask"))
        #expect(text.contains("  n_menu -->|\"Stop\"| __end"))
        #expect(text.contains("  n_ask -.->|\"no reply in 1d6h\"| n_nudge"))
        #expect(text.contains("  n_nudge ==>|\"window closed\"| n_back"))
        // The menu runs right after a customer message: no re-entry edge is drawn from it.
        #expect(!text.contains("  n_menu ==>"))
    }

    @Test("DOT: quoted names, dashed timeouts, bold re-entry")
    func dot() throws {
        let flow = try #require(FlowLoader.load(yaml: Self.yaml, file: "g.yaml").flow)
        let text = FlowGraph.render(flow, as: .dot)
        #expect(text.hasPrefix("digraph \"g\" {"))
        #expect(text.contains("\"n_ask\" -> \"n_nudge\" [label=\"no reply in 1d6h\", style=dashed];"))
        #expect(text.contains("\"n_nudge\" -> \"n_back\" [label=\"window closed\", style=bold"))
        #expect(text.contains("\"n_back\" [label=\"back\\ntemplate\", shape=box, peripheries=2];"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test("node names that are Mermaid keywords or hold odd characters become safe ids, all distinct")
    func mermaidIDs() throws {
        let yaml =
            "flow: k\nstart: style\nnodes:\n  style: { text: a, goto: click }\n  click: { text: b, goto: my-node }\n"
            + "  my-node: { text: c, goto: my_2d_node }\n  my_2d_node: { text: d, goto: end }\n"
        let flow = try #require(FlowLoader.load(yaml: yaml, file: "k.yaml").flow)
        let text = FlowGraph.render(flow, as: .mermaid)
        #expect(text.contains("  n_style --> n_click"))
        #expect(text.contains("  n_click --> n_my_2d_node"))
        #expect(text.contains("  n_my_2d_node --> n_my__2d__node"))
        #expect(!text.contains("\n  style") && !text.contains("\n  click"))
    }

    @Test("a re-entry edge is bold only where the window may have closed, not two hours on")
    func boldOnlyWhenLate() throws {
        let yaml = """
            flow: b
            start: ask
            session: { reentry: back }
            templates:
              hi: { language: en_US, category: UTILITY, body: "Hi", buttons: [{ quick_reply: Go }] }
            nodes:
              ask:
                ask: Order?
                timeout: { after: 2h, goto: soon }
                goto: end
              soon: { text: Still there?, goto: later }
              later: { wait: 23h, goto: late }
              late: { text: Still?, goto: end }
              back: { template: hi, on_reply: resume }
            """
        let flow = try #require(FlowLoader.load(yaml: yaml, file: "b.yaml").flow)
        let text = FlowGraph.render(flow, as: .mermaid)
        #expect(!text.contains("n_soon ==>"), "\(text)")
        #expect(text.contains("  n_late ==>|\"window closed\"| n_back"))
    }
}
