import FlowModel
import Testing

/// One broken flow per rule: each must produce that rule, at the marked line and column.
struct RuleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let rule: Rule
        let severity: Diagnostic.Severity
        let text: String
        var testDescription: String { rule.rawValue }

        init(_ rule: Rule, _ text: String) {
            self.init(rule, .error, text)
        }

        init(_ rule: Rule, _ severity: Diagnostic.Severity, _ text: String) {
            self.rule = rule
            self.severity = severity
            self.text = text
        }
    }

    /// A valid flow around one node named `n`, with a template and a re-entry route.
    static func flow(_ node: String, extraNodes: String = "", top: String = "") -> String {
        """
        flow: t
        start: n
        \(top)session: { reentry: back }
        templates:
          hello:
            language: en_US
            category: UTILITY
            body: "Hi {{1}}"
            buttons: [{ quick_reply: Go }]
        nodes:
          n:
        \(node.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
          back:
            template: hello
            params: ["{{contact.name}}"]
            on_reply: resume
        \(extraNodes)
        """
    }

    static let cases: [Case] = [
        Case(.yamlSyntax, "flow: t\nstart: n\nnodes:\n  n: { text: \"hi }\n»"),
        Case(.duplicateKey, "flow: t\n»start: n\nstart: m\nnodes:\n  n: { text: hi, goto: end }\n"),
        Case(.unknownKey, flow("text: hi\ngoto: end\n»save_as: x")),
        Case(.missingKey, "flow: t\nstart: n\nnodes:\n  n:\n    buttons:\n      »options: [{ title: A, goto: end }]\n"),
        Case(.wrongType, flow("text: hi\ngoto: end", extraNodes: "  m:\n    buttons: »[a, b]\n    goto: end")),
        Case(.invalidValue, flow("ask: How many?\nexpect: »numbr\ngoto: end")),
        Case(.nodeKind, "flow: t\nstart: n\nnodes:\n  n: { »txt: hi, goto: end }\n"),
        Case(.reservedName, "flow: t\nstart: n\nnodes:\n  n: { text: hi, goto: end }\n  »end: { text: bye }\n"),
        Case(
            .buttonCount,
            flow("buttons:\n  »body: Pick\n  options:\n    - { title: A }\n    - { title: B }\n    - { title: C }\n    - { title: D }\ngoto: end")
        ),
        Case(.buttonTitleLength, flow("buttons:\n  body: Pick\n  options:\n    - { title: »Twenty-one characters }\ngoto: end")),
        Case(.buttonTitleUnique, flow("buttons:\n  body: Pick\n  options:\n    - { title: Yes }\n    - { title: »yes }\ngoto: end")),
        Case(.buttonIDLength, flow("buttons:\n  body: Pick\n  options:\n    - { id: »\(String(repeating: "x", count: 257)), title: A }\ngoto: end")),
        Case(.buttonIDUnique, flow("buttons:\n  body: Pick\n  options:\n    - { id: a, title: A }\n    - { id: »a, title: B }\ngoto: end")),
        Case(.listButtonLength, flow(listNode(button: "»Choose one of these slots"))),
        Case(.listSectionCount, flow("list:\n  »body: Pick\n  button: Go\n  sections: []\ngoto: end")),
        Case(
            .listRowCount,
            flow(
                "list:\n  »body: Pick\n  button: Go\n  sections:\n    - title: A\n      rows: [\(( 1...6).map { "{ title: a\($0) }" }.joined(separator: ", "))]\n    - title: B\n      rows: [\((1...5).map { "{ title: b\($0) }" }.joined(separator: ", "))]\ngoto: end"
            )
        ),
        Case(
            .listSectionTitleLength,
            flow(
                "list:\n  body: Pick\n  button: Go\n  sections:\n    - title: »A section title that is too long\n      rows: [{ title: a }]\ngoto: end"
            )
        ),
        Case(
            .listSectionTitleRequired,
            flow("list:\n  body: Pick\n  button: Go\n  sections:\n    - title: A\n      rows: [{ title: a }]\n    - »rows: [{ title: b }]\ngoto: end")
        ),
        Case(
            .listRowTitleLength,
            flow("list:\n  body: Pick\n  button: Go\n  sections:\n    - rows: [{ title: »A row title that is too long }]\ngoto: end")
        ),
        Case(
            .listRowDescriptionLength,
            flow(
                "list:\n  body: Pick\n  button: Go\n  sections:\n    - rows: [{ title: a, description: »\(String(repeating: "d", count: 73)) }]\ngoto: end"
            )
        ),
        Case(
            .listRowIDLength,
            flow("list:\n  body: Pick\n  button: Go\n  sections:\n    - rows: [{ id: »\(String(repeating: "i", count: 201)), title: a }]\ngoto: end")
        ),
        Case(
            .listRowIDUnique,
            flow("list:\n  body: Pick\n  button: Go\n  sections:\n    - rows: [{ id: x, title: a }, { id: »x, title: b }]\ngoto: end")
        ),
        Case(
            .headerLength,
            flow("buttons:\n  header: { text: »\(String(repeating: "h", count: 61)) }\n  body: Pick\n  options: [{ title: A }]\ngoto: end")
        ),
        Case(.bodyLength, flow("buttons:\n  body: »\(String(repeating: "b", count: 1025))\n  options: [{ title: A }]\ngoto: end")),
        Case(.footerLength, flow("buttons:\n  body: Pick\n  footer: »\(String(repeating: "f", count: 61))\n  options: [{ title: A }]\ngoto: end")),
        Case(.textLength, flow("text: »\(String(repeating: "t", count: 4097))\ngoto: end")),
        Case(.captionLength, flow("image: { link: \"https://x.example/a.png\", caption: »\(String(repeating: "c", count: 1025)) }\ngoto: end")),
        Case(.captionNotAllowed, flow("audio: { link: \"https://x.example/a.ogg\", caption: »Listen }\ngoto: end")),
        Case(
            .ctaDisplayTextLength,
            flow("cta_url:\n  body: Open it\n  display_text: »Open the website right now\n  url: \"https://x.example\"\ngoto: end")
        ),
        Case(.contactsCount, flow("contacts: »[\((1...6).map { "{ name: P\($0), phones: [\"+1 555\"] }" }.joined(separator: ", "))]\ngoto: end")),
        Case(
            .templateName,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    name: »Order-Update\n    language: en_US\n    category: UTILITY\n    body: Hi\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templateBodyLength,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    body: »\(String(repeating: "b", count: 1025))\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templateHeaderLength,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    header: »\(String(repeating: "h", count: 61))\n    body: Hi\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templateFooterLength,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    body: Hi\n    footer: »\(String(repeating: "f", count: 61))\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templateButtonLabelLength,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    body: Hi\n    buttons: [{ quick_reply: »A quick reply label too long }]\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templateButtonCount,
            "flow: t\nstart: n\ntemplates:\n  »hi:\n    language: en_US\n    category: UTILITY\n    body: Hi\n    buttons: [\((1...11).map { "{ quick_reply: Q\($0) }" }.joined(separator: ", "))]\nnodes:\n  n: { template: hi, goto: end }\n"
        ),
        Case(
            .templatePlaceholders,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    body: »\"Hi {{1}}, order {{3}}\"\nnodes:\n  n: { template: hi, params: [a, b], goto: end }\n"
        ),
        Case(
            .templateParamCount,
            "flow: t\nstart: n\ntemplates:\n  hi:\n    language: en_US\n    category: UTILITY\n    body: \"Hi {{1}}, order {{2}}\"\nnodes:\n  n: { template: hi, params: [»a], goto: end }\n"
        ),
        Case(.unknownTemplate, "flow: t\nstart: n\nnodes:\n  n: { template: »helo, goto: end }\n"),
        Case(.unknownQuickReply, flow("template: hello\nparams: [x]\nquick_replies: { »Stop: end }")),
        Case(.variableBudget, .warning, flow("buttons:\n  body: Pick\n  options: [{ title: »\"Hi {{contact.name}}\" }]\ngoto: end")),
        Case(.unknownVariable, .warning, flow("text: »\"Order {{order}}\"\ngoto: end")),
        Case(.unknownStart, "flow: t\nstart: »welcom\nnodes:\n  welcome: { text: hi, goto: end }\n"),
        Case(.unknownTarget, flow("text: hi\ngoto: »nowhere")),
        Case(.unreachableNode, .warning, flow("text: hi\ngoto: end", extraNodes: "  »lonely: { text: hi, goto: end }")),
        Case(.busyLoop, "flow: t\nstart: a\nnodes:\n  »a: { text: one, goto: b }\n  b: { set: { x: \"1\" }, goto: a }\n"),
        Case(.deadEnd, .warning, "flow: t\nstart: n\nnodes:\n  »n: { text: hi }\n"),
        Case(
            .missingReentry,
            "flow: t\nstart: n\nnodes:\n  n:\n    ask: Order number?\n    timeout: { after: 30h, goto: nudge }\n    goto: end\n  »nudge: { text: Still there?, goto: end }\n"
        ),
        Case(.reentryNotTemplate, "flow: t\nstart: n\nsession: { reentry: »n }\nnodes:\n  n: { text: hi, goto: end }\n"),
        Case(
            .reentryLoop,
            "flow: t\nstart: n\nsession: { reentry: back }\ntemplates:\n  hi: { language: en_US, category: UTILITY, body: Hi }\nnodes:\n  n: { text: hi, goto: end }\n  back: { template: hi, goto: details }\n  »details: { text: more, goto: end }\n"
        ),
        Case(
            .beforeExpiryMargin,
            "flow: t\nstart: n\nsession: { margin: 2h, before_expiry: { in: »1h, goto: n } }\nnodes:\n  n: { text: hi, goto: end }\n"
        ),
        Case(
            .templateParamUnset,
            .warning,
            "flow: t\nstart: n\ntemplates:\n  hi: { language: en_US, category: UTILITY, body: \"Hi {{1}}\" }\nnodes:\n  n: { ask: Name?, save_as: name, goto: t, timeout: { after: 1h, goto: t } }\n  t: { template: hi, params: [»\"{{name}}\"], goto: end }\n"
        ),
        Case(
            .reentryWithoutReply,
            .warning,
            "flow: t\nstart: n\nsession: { reentry: back }\ntemplates:\n  hi: { language: en_US, category: UTILITY, body: Hi }\nnodes:\n  n: { text: hi, goto: end }\n  »back: { template: hi, goto: end }\n"
        ),
    ]

    static func listNode(button: String) -> String {
        "list:\n  body: Pick\n  button: \(button)\n  sections:\n    - rows: [{ title: a }]\ngoto: end"
    }

    @Test("every rule has a broken flow", arguments: cases)
    func brokenFlow(_ testCase: Case) throws {
        let marked = Marked(testCase.text)
        #expect(marked.line > 0, "the case needs a » marker")
        let diagnostics = diagnose(marked.yaml)
        let matching = diagnostics.filter { $0.rule == testCase.rule }
        let found = try #require(
            matching.first,
            "expected [\(testCase.rule.rawValue)], got:\n\(diagnostics.map(\.description).joined(separator: "\n"))"
        )
        #expect(found.severity == testCase.severity)
        #expect(found.location.line == marked.line, "\(found)")
        #expect(found.location.column == marked.column, "\(found)")
        #expect(found.location.file == "test.yaml")
        #expect(!found.message.isEmpty)
    }

    @Test("every rule is covered by a case")
    func coverage() {
        let covered = Set(Self.cases.map(\.rule))
        let missing = Rule.allCases.filter { !covered.contains($0) && $0 != .duplicateFlow && $0 != .unreadableFile }
        #expect(missing.isEmpty, "rules without a broken flow: \(missing.map(\.rawValue))")
    }

    @Test("the base flow of the cases is itself valid")
    func baseFlowIsValid() throws {
        _ = try load(Self.flow("text: hi\ngoto: end"))
    }
}
