import FlowModel
import Testing

/// One mistake gives one diagnostic, at the mistake: its consequences are held back or folded in.
@Suite struct CascadeTests {
    @Test("a misspelt required key is one error at the misspelling, and its value is still read")
    func misspeltRequiredKey() {
        // `node:` for `nodes:` used to give six errors (missing `nodes`, then every name unknown),
        // with the real one last.
        let found = diagnose(
            """
            flow: t
            start: a
            keywords:
              - { match: help, goto: b }
            node:
              a: { text: hi, goto: b }
              b: { text: bye, goto: end }
            """
        )
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.rule == .unknownKey)
        #expect(found.first?.location.line == 5)
        #expect(found.first?.hint == "did you mean 'nodes'?")
    }

    @Test("a misspelt node kind is one error, and the node's edges still count")
    func misspeltKind() {
        let found = diagnose("flow: t\nstart: a\nnodes:\n  a: { txt: hi, goto: b }\n  b: { text: bye, goto: end }\n")
        #expect(found.map(\.rule) == [.nodeKind], "\(found)")
        #expect(found.first?.hint == "did you mean 'text'?")
    }

    @Test("a node that cannot be read hides no unreachable or unset-variable warnings behind its error")
    func unreadableNode() {
        // The list has no `button:`: the node cannot be read, so the nodes only it leads to, and
        // the variable only it would set, are not reported.
        let found = diagnose(
            """
            flow: t
            start: menu
            nodes:
              menu:
                list:
                  body: Pick one
                  sections:
                    - title: All
                      rows:
                        - { id: a, title: A, goto: a }
                        - { id: b, title: B, goto: b }
              a: { ask: Your name?, save_as: name, goto: b }
              b: { text: "Bye {{name}}", goto: end }
            """
        )
        #expect(found.map(\.rule) == [.missingKey], "\(found.map(\.description))")
    }

    @Test("a tab in the indentation is named as such, at the tab")
    func tabIndentation() {
        let found = diagnose("flow: t\nstart: a\nnodes:\n  a:\n\ttext: hi\n")
        #expect(found.count == 1)
        #expect(found.first?.message == "line 5 is indented with a tab; YAML indents with spaces only")
        #expect(found.first?.location.line == 5)
        #expect(found.first?.location.column == 1)
        // A blank line of only a tab upsets the parser too, and is found the same way.
        let blank = diagnose("flow: t\nstart: a\nnodes:\n  a:\n    text: hi\n  \t\n    goto: end\n")
        #expect(blank.first?.message == "line 6 is indented with a tab; YAML indents with spaces only")
        #expect(blank.first?.location.column == 3)
        // A tab inside a block of text, well above an unrelated mistake, is not blamed for it.
        let elsewhere = diagnose("flow: t\ndescription: |\n  first\n  \tsecond\nstart: a\nnodes:\n  a: { text: [hi, goto: end }\n")
        #expect(elsewhere.count == 1)
        #expect(elsewhere.first?.location.line == 7)
        #expect(elsewhere.first?.message.contains("tab") == false)
    }

    @Test("`min:` and `max:` beside `expect` say where they belong; a key cut short gets a did-you-mean")
    func misplacedKeys() {
        let found = diagnose("flow: t\nstart: a\nnodes:\n  a:\n    ask: How many?\n    expect: number\n    min: 1\n    save: n\n    goto: end\n")
        #expect(found.map(\.rule) == [.unknownKey, .unknownKey])
        #expect(found.first?.hint == "'min' belongs to the expectation: `expect: { number: { min: 1, max: 10 } }`")
        #expect(found.last?.hint == "did you mean 'save_as'?")
    }
}
