import Foundation

/// Draws a flow as a diagram: Mermaid (for Markdown, GitHub and most editors) or Graphviz DOT.
///
/// Nodes are shaped by kind; buttons, rows and quick replies are labelled edges; timeouts,
/// pauses and releases are dashed; re-entry routes (where the session guard sends a template
/// instead of a blocked step) are bold. Re-entry edges are drawn from the nodes that can run with
/// the window closed, so the diagram shows where the guard can act.
public enum FlowGraph {
    public enum Format: String, CaseIterable, Sendable {
        case mermaid
        case dot
    }

    public static func render(_ flow: Flow, as format: Format) -> String {
        let drawing = Drawing(flow: flow)
        switch format {
        case .mermaid: return drawing.mermaid()
        case .dot: return drawing.dot()
        }
    }
}

private struct Drawing {
    struct Line {
        var from: String
        var to: String
        var label: String?
        var style: Style
    }

    enum Style { case solid, dashed, bold }

    let flow: Flow
    var lines: [Line] = []
    var entries: [(id: String, label: String)] = []
    var usesEnd = false

    init(flow: Flow) {
        self.flow = flow
        let graph = GraphRules(flow: flow)
        // Bold only where the window analysis (the validator's) says it may have closed.
        let late = SessionRules(flow: flow, graph: graph).lateNodes()
        entries.append(("__start", "start"))
        add(from: "__start", to: flow.start, label: nil, style: .solid)
        for (index, trigger) in flow.triggers.enumerated() {
            entries.append(("__trigger\(index)", "business trigger"))
            add(from: "__trigger\(index)", to: trigger, label: nil, style: .dashed)
        }
        for (index, keyword) in flow.keywords.enumerated() {
            entries.append(("__keyword\(index)", "keyword: " + keyword.phrases.map(\.value).joined(separator: ", ")))
            add(from: "__keyword\(index)", to: keyword.target, label: nil, style: .solid)
        }
        if let before = flow.session.beforeExpiry {
            entries.append(("__expiry", "\(before.lead) before the window closes"))
            add(from: "__expiry", to: before.target, label: nil, style: .dashed)
        }
        for node in flow.orderedNodes {
            for edge in node.edges {
                let style: Style = edge.kind.mayFollowExpiry ? .dashed : .solid
                add(from: node.id, to: edge.target, label: edge.label, style: style)
            }
            if node.step.isFreeForm, let reentry = flow.reentry(for: node), late.contains(node.id) {
                add(from: node.id, to: reentry, label: "window closed", style: .bold)
            }
        }
    }

    mutating func add(from: String, to target: Target, label: String?, style: Style) {
        if target.isEnd { usesEnd = true }
        lines.append(
            Line(
                from: Self.isEntry(from) ? from : Self.diagramID(from),
                to: target.isEnd ? "__end" : Self.diagramID(target.name),
                label: label,
                style: style
            )
        )
    }

    static func isEntry(_ id: String) -> Bool { id.hasPrefix("__") }

    /// A node name as a diagram id (Mermaid's and DOT's): `n_` and the name with every character but ASCII letters and
    /// digits spelt out, so no name is a Mermaid keyword (`style`, `click`, `end`…), none
    /// breaks the syntax, and no two names meet.
    static func diagramID(_ name: String) -> String {
        var id = "n_"
        for scalar in name.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                id.unicodeScalars.append(scalar)
            } else if scalar == "_" {
                id += "__"
            } else {
                id += "_" + String(scalar.value, radix: 16) + "_"
            }
        }
        return id
    }

    // MARK: Mermaid

    func mermaid() -> String {
        var out = ["flowchart TD"]
        for entry in entries { out.append("  \(entry.id)([\"\(escapeMermaid(entry.label))\"])") }
        for node in flow.orderedNodes {
            let label = escapeMermaid("\(node.id)\n\(node.step.kind)").replacingOccurrences(of: "\n", with: "<br/>")
            let (open, close) = mermaidShape(node.step)
            out.append("  \(Self.diagramID(node.id))\(open)\"\(label)\"\(close)")
        }
        if usesEnd { out.append("  __end((end))") }
        for line in lines {
            let arrow: String
            switch line.style {
            case .solid: arrow = "-->"
            case .dashed: arrow = "-.->"
            case .bold: arrow = "==>"
            }
            let label = line.label.map { "|\"\(escapeMermaid($0))\"|" } ?? ""
            out.append("  \(line.from) \(arrow)\(label) \(line.to)")
        }
        out.append("  classDef entry fill:#eef,stroke:#88a")
        out.append("  class \((entries.map(\.id) + (usesEnd ? ["__end"] : [])).joined(separator: ",")) entry")
        return out.joined(separator: "\n") + "\n"
    }

    func mermaidShape(_ step: Step) -> (String, String) {
        switch step.shape {
        case .question: ("([", "])")
        case .template: ("[[", "]]")
        case .decision: ("{", "}")
        case .assignment: ("[/", "/]")
        case .pause: ("[\\", "/]")
        case .handoff: ("[(", ")]")
        case .end: ("(((", ")))")
        case .message: ("[", "]")
        }
    }

    func escapeMermaid(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "#quot;")
            .replacingOccurrences(of: "<", with: "#lt;").replacingOccurrences(of: ">", with: "#gt;")
    }

    // MARK: DOT

    func dot() -> String {
        var out = [
            "digraph \(quoteDOT(flow.name.value)) {", "  rankdir=TB;", "  node [fontname=\"Helvetica\", fontsize=11];",
            "  edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        for entry in entries {
            out.append("  \(quoteDOT(entry.id)) [label=\(quoteDOT(entry.label)), shape=plaintext, fontcolor=\"#555577\"];")
        }
        for node in flow.orderedNodes {
            out.append("  \(quoteDOT(Self.diagramID(node.id))) [label=\(quoteDOT("\(node.id)\n\(node.step.kind)")), shape=\(dotShape(node.step))];")
        }
        if usesEnd { out.append("  \"__end\" [label=\"end\", shape=doublecircle];") }
        for line in lines {
            var attributes: [String] = []
            if let label = line.label { attributes.append("label=\(quoteDOT(label))") }
            switch line.style {
            case .solid: break
            case .dashed: attributes.append("style=dashed")
            case .bold: attributes.append("style=bold, color=\"#c0392b\", fontcolor=\"#c0392b\"")
            }
            let suffix = attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]"
            out.append("  \(quoteDOT(line.from)) -> \(quoteDOT(line.to))\(suffix);")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    func dotShape(_ step: Step) -> String {
        switch step.shape {
        case .question: "box, style=rounded"
        case .template: "box, peripheries=2"
        case .decision: "diamond"
        case .assignment: "parallelogram"
        case .pause: "hexagon"
        case .handoff: "cylinder"
        case .end: "doublecircle"
        case .message: "box"
        }
    }

    func quoteDOT(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
