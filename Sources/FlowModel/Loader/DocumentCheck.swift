import Yams

/// Checks a composed YAML document before anything reads it, in time and memory linear in the
/// file: aliases may not expand it past a budget (an alias bomb is refused, not walked), and what
/// Flowgate would otherwise take silently is refused with its position: tags (`!!binary`,
/// `!!python/object`, `!custom`), keys that are not plain text (`? [a, b]`), and byte-order marks
/// inside the text.
struct DocumentCheck {
    /// Nodes the document may expand to through aliases: twice its size in bytes, and at least
    /// 100,000. A document without aliases has fewer nodes than bytes, so it never comes near.
    static func budget(forBytes bytes: Int) -> Int { max(100_000, bytes.multipliedReportingOverflow(by: 2).overflow ? .max : bytes * 2) }

    static let plainTags: Set<String> = ["tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"]

    /// False when the text cannot hold what the walk looks for: an anchor (`&`), a tag (`!`) or an
    /// explicit key (`?`) each begins a token (at the start of a line, after a space, or after
    /// `[`, `{` or `,`), and a list or mapping used as a key ends in `]` or `}` before its `:`.
    /// Most flows have none of them ("Still there?" does not count), and skip the walk.
    static func isNeeded(for yaml: String) -> Bool {
        var closedCollection = false
        var previous = UInt8(ascii: "\n")
        for byte in yaml.utf8 {
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "!"), UInt8(ascii: "?"):
                if tokenStarts.contains(previous) { return true }
                closedCollection = false
            case UInt8(ascii: "]"), UInt8(ascii: "}"): closedCollection = true
            case UInt8(ascii: ":"): if closedCollection { return true }
            case UInt8(ascii: " "), UInt8(ascii: "\t"): break
            default: closedCollection = false
            }
            previous = byte
        }
        return false
    }

    private static let tokenStarts: Set<UInt8> = [
        UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: " "), UInt8(ascii: "\t"),
        UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","),
    ]

    /// Walks the document; returns the problems, stopping at the first when the budget runs out.
    static func problems(in root: Yams.Node, bytes: Int, context: LoadContext) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        var remaining = budget(forBytes: bytes)
        var stack: [(node: Yams.Node, isKey: Bool)] = [(root, false)]
        func at(_ node: Yams.Node) -> SourceLocation {
            node.mark.map { context.location(line: $0.line, column: $0.column) } ?? context.location(line: 1, column: 1)
        }
        while let (node, isKey) = stack.popLast() {
            remaining -= 1
            guard remaining >= 0 else {
                return problems + [
                    .error(
                        .invalidValue,
                        "this file expands to more than \(budget(forBytes: bytes)) values through YAML aliases (`*name`)",
                        hint: "write the repeated part out, or use fewer nested aliases; Flowgate refuses files that aliases blow up",
                        at: at(node)
                    )
                ]
            }
            guard problems.count < 100 else { continue }
            if !plainTags.contains(node.tag.description) {
                problems.append(
                    .error(
                        .invalidValue,
                        "YAML tag '\(Diagnostic.escaped(node.tag.description))' is not read by Flowgate",
                        hint: "remove the tag and write the value as plain text",
                        at: at(node)
                    )
                )
            }
            switch node {
            case .scalar(let scalar):
                if scalar.string.unicodeScalars.contains("\u{FEFF}") {
                    problems.append(
                        .error(
                            .invalidValue,
                            "a byte-order mark (U+FEFF) is inside this \(isKey ? "key" : "value")",
                            hint: "delete the invisible character; an editor that shows invisible characters helps",
                            at: at(node)
                        )
                    )
                }
            case .mapping(let mapping):
                for (key, value) in mapping.reversed() {
                    if key.scalar == nil {
                        problems.append(
                            .error(
                                .invalidValue,
                                "a key must be plain text, not a list or a mapping",
                                hint: "write the key as a word, e.g. `name:`",
                                at: at(key)
                            )
                        )
                    } else {
                        stack.append((key, true))
                    }
                    stack.append((value, false))
                }
            case .sequence(let sequence):
                for item in sequence.reversed() { stack.append((item, false)) }
            case .alias:
                break
            }
        }
        return problems
    }
}
