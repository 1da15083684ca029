import FlowModel
import Testing

/// Files built to hurt: alias bombs, tags, complex keys, stray byte-order marks, values that try
/// to forge output, and line breaks editors do not count. Each gets a clear, positioned error.
struct HostileInputTests {
    /// Aliases nested `depth` deep through `all:`, each level repeating the one below `fanOut` times.
    static func aliasBomb(depth: Int, fanOut: Int = 9) -> String {
        var anchors = "  a0: &a0 { var: x, exists: true }\n"
        for level in 1...depth {
            let items = Array(repeating: "*a\(level - 1)", count: fanOut).joined(separator: ", ")
            anchors += "  a\(level): &a\(level) { all: [\(items)] }\n"
        }
        return "flow: t\nstart: n\nx-anchors:\n\(anchors)nodes:\n  n:\n    branch:\n      - { if: *a\(depth), goto: end }\n    goto: end\n"
    }

    @Test("an alias bomb is refused in bounded time, with a position", arguments: [6, 7, 12])
    func aliasBomb(depth: Int) {
        let found = diagnose(Self.aliasBomb(depth: depth))
        #expect(found.contains { $0.message.contains("expands to more than") && $0.location.line > 1 })
    }

    @Test("ordinary aliases still load")
    func ordinaryAliases() {
        let yaml = "flow: t\nstart: n\nx-texts:\n  hi: &hi Hello there\nnodes:\n  n: { text: *hi, goto: m }\n  m: { text: *hi, goto: end }\n"
        #expect(FlowLoader.load(yaml: yaml, file: "t.yaml").flow?.nodes.count == 2)
    }

    @Test(
        "tags, complex keys and byte-order marks inside the file are errors",
        arguments: [
            ("flow: t\nstart: n\nnodes:\n  n: { text: !!binary aGk=, goto: end }\n", "YAML tag", 4),
            ("flow: t\nstart: n\nnodes:\n  n: { text: !!python/object:os.system x, goto: end }\n", "YAML tag", 4),
            ("flow: t\nstart: n\nnodes:\n  ? [a, b]\n  : { text: hi }\n  n: { text: hi, goto: end }\n", "a key must be plain text", 4),
            ("flow: t\nstart: n\n\u{FEFF}nodes:\n  n: { text: hi, goto: end }\n", "byte-order mark", 3),
            ("flow: t\nstart: n\nnodes:\n  n: { text: \"a\u{FEFF}b\", goto: end }\n", "byte-order mark", 4),
        ]
    )
    func silentlyAccepted(_ yaml: String, _ message: String, _ line: Int) {
        let found = diagnose(yaml)
        #expect(found.contains { $0.severity == .error && $0.message.contains(message) && $0.location.line == line }, "\(found)")
    }

    @Test("a byte-order mark at the very start is fine")
    func leadingBOM() {
        #expect(FlowLoader.load(yaml: "\u{FEFF}flow: t\nstart: n\nnodes:\n  n: { text: hi, goto: end }\n", file: "t.yaml").flow != nil)
    }

    @Test("echoed values cannot forge a diagnostic line or colour a terminal")
    func escapedValues() {
        let found = diagnose("flow: t\nstart: \"n\\nfake.yaml:1:1: error: forged \\u001B[31m\"\nnodes:\n  n: { text: hi, goto: end }\n")
        #expect(!found.isEmpty)
        for diagnostic in found {
            #expect(!diagnostic.description.split(separator: "\n").contains { $0.hasPrefix("fake.yaml") })
            #expect(!diagnostic.description.unicodeScalars.contains("\u{1B}"))
        }
        #expect(found.contains { $0.message.contains("\\u{A}fake.yaml") })
    }

    @Test("U+2028, U+2029 and U+0085 do not shift later line numbers")
    func unicodeLineBreaks() {
        let found = diagnose("flow: t\nstart: n\nnodes:\n  n: { text: \"a\u{2028}b\u{2029}c\u{85}d\", goto: m }\n  m: { txt: hi, goto: end }\n")
        #expect(found.contains { $0.rule == .nodeKind && $0.location.line == 5 && $0.location.column == 8 }, "\(found)")
    }

    @Test("an error at the end of a file without a final newline points inside the file")
    func endOfFile() {
        let yaml = "flow: t\nstart: n\nnodes:\n  n: { text: \"unclosed"
        let found = diagnose(yaml)
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            found.contains { $0.rule == .yamlSyntax && $0.location.line == lines.count && $0.location.column <= lines[lines.count - 1].count + 1 }
        )
    }
}

/// Inputs the fuzzer found.
struct FuzzFindingsTests {
    @Test(
        "template placeholders {{0}} and a huge number are errors, not traps or billion-element ranges",
        arguments: ["Hi {{0}}", "Hi {{1}} {{99999999999999999999}}", "Hi {{9223372036854775807}}"]
    )
    func placeholders(_ body: String) {
        let found = diagnose(
            "flow: t\nstart: n\ntemplates:\n  hi: { language: en_US, category: UTILITY, body: \"\(body)\" }\nnodes:\n  n: { text: hi, goto: end }\n"
        )
        #expect(found.contains { $0.rule == .templatePlaceholders })
    }
}

/// Work that grew with the square of the input, or repeated itself, is bounded.
struct BoundedWorkTests {
    @Test("a very long unknown name gets no suggestion, and the error is still there")
    func longName() {
        let name = String(repeating: "x", count: 40_000)
        let found = diagnose("flow: t\nstart: \(name)\nnodes:\n  n: { text: hi, goto: end }\n")
        #expect(found.contains { $0.rule == .unknownStart })
        #expect(!found.contains { $0.hint?.contains("did you mean") == true })
    }

    @Test("a thousand repeats of one variable give one warning with a count")
    func repeatedWarnings() {
        let text = String(repeating: "{{x}}", count: 1_000)
        let found = diagnose("flow: t\nstart: n\nnodes:\n  n: { text: \"\(text)\", goto: end }\n").filter { $0.rule == .unknownVariable }
        #expect(found.count == 1)
        #expect(found.first?.message.hasSuffix("(1000 times here)") == true)
    }

    @Test("a long loop of nodes validates (no quadratic pass), and its busy loop is found")
    func longLoop() {
        var yaml = "flow: t\nstart: n0\nnodes:\n"
        for index in 0..<5_000 { yaml += "  n\(index): { set: { a: b }, goto: n\((index + 1) % 5_000) }\n" }
        let loop = diagnose(yaml).filter { $0.rule == .busyLoop }
        #expect(loop.count == 1)
        #expect(loop.first?.message.contains("(5000 nodes in all)") == true, "a long loop lists a few nodes and the count, not all")
    }
}

/// Numbers are read as YAML 1.2's core schema reads them, and no spelling traps.
@Suite struct NumberSpellingTests {
    static func attempts(_ value: String) -> [Diagnostic] {
        diagnose("flow: t\nstart: a\nnodes:\n  a:\n    buttons: { body: Pick, options: [{ title: A }] }\n    retry: Again\n    attempts: \(value)\n")
            .filter { $0.severity == .error }
    }

    @Test(arguments: ["2", "+2", "0x2", "0o2", "2.0", "2e0", "20e-1"])
    func wholeNumbersInEverySpelling(_ value: String) {
        #expect(Self.attempts(value).isEmpty, "\(value)")
    }

    @Test(arguments: [
        "\"2\"", "'2'", "2.5", "1_0", "0b10", "0x", "0o", "+", ".", "1e", "e1", "0x1p3",
        "9223372036854775808", "-9223372036854775809", "1e400", ".inf", ".nan", "0xFFFFFFFFFFFFFFFFFF", "٢",
    ])
    func otherSpellingsAreErrorsNotTraps(_ value: String) {
        let errors = Self.attempts(value)
        #expect(errors.count == 1, "\(value): \(errors.map(\.description))")
        #expect(errors.allSatisfy { $0.rule == .wrongType || $0.rule == .invalidValue })
    }
}
