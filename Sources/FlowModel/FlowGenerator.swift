/// Writes large, valid flows for benchmarks and tests: chains of question, buttons, list, media,
/// branch and template nodes, every one reachable.
public enum FlowGenerator {
    public static func yaml(nodes count: Int) -> String {
        var lines = [
            "flow: generated-\(count)",
            "start: n0",
            "session:",
            "  reentry: reconnect",
            "templates:",
            "  hello:",
            "    language: en_US",
            "    category: UTILITY",
            "    body: \"Hi {{1}}, tap Continue to go on.\"",
            "    buttons: [{ quick_reply: Continue }]",
            "nodes:",
            "  reconnect:",
            "    template: hello",
            "    params: [\"{{contact.name}}\"]",
            "    on_reply: resume",
        ]
        for index in 0..<count - 1 {
            let next = index + 1 < count - 1 ? "n\(index + 1)" : "end"
            lines.append("  n\(index):")
            switch index % 6 {
            case 0:
                lines += [
                    "    ask: \"Question \(index): what is your order number?\"", "    save_as: answer\(index)",
                    "    expect: { pattern: \"^ORD-[0-9]{5}$\" }", "    retry: Try again", "    attempts: 3",
                    "    timeout: { after: 2h, goto: \(next) }", "    goto: \(next)",
                ]
            case 1:
                lines += [
                    "    buttons:", "      header: { text: Step \(index) }", "      body: \"Pick one, {{contact.name}}\"",
                    "      footer: Flowgate", "      options:",
                    "        - { id: a\(index), title: Yes, goto: \(next) }",
                    "        - { id: b\(index), title: No, goto: \(next) }",
                    "        - { id: c\(index), title: Maybe }", "    goto: \(next)",
                ]
            case 2:
                lines += [
                    "    list:", "      body: Choose a slot", "      button: Slots", "      sections:",
                    "        - title: Tomorrow", "          rows:",
                    "            - { id: am\(index), title: Morning, description: \"8:00-12:00\" }",
                    "            - { id: pm\(index), title: Afternoon, description: \"12:00-18:00\" }",
                    "        - title: Later", "          rows:",
                    "            - { id: wk\(index), title: Next week }", "    goto: \(next)",
                ]
            case 3:
                lines += [
                    "    image: { link: \"https://cdn.example.com/\(index).png\", caption: \"Order {{answer\(index - 3)}}\" }",
                    "    goto: \(next)",
                ]
            case 4:
                lines += [
                    "    branch:", "      - { if: { var: answer\(index - 4), matches: \"^ORD\" }, goto: \(next) }",
                    "      - { if: { window: closed }, goto: \(next) }", "    goto: \(next)",
                ]
            default:
                lines += ["    text: \"Thanks, {{contact.name}}. Moving on.\"", "    goto: \(next)"]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
