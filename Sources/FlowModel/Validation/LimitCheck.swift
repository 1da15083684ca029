import WhatsAppCloud

/// Checks text against one WhatsApp limit (from ``WhatsAppLimits``).
///
/// The literal text, placeholders removed, must fit: otherwise an error. When placeholders can
/// expand and the room left is tight (a short field, or under a tenth of the budget), a
/// `variable-budget` warning says how much is left; at runtime the engine shortens a value that
/// does not fit with an ellipsis.
struct LimitCheck {
    var diagnostics: [Diagnostic] = []

    mutating func text(_ text: TextTemplate?, max: Int, rule: Rule, what: String) {
        guard let text else { return }
        let used = text.literalText.whatsAppLength
        if used > max {
            diagnostics.append(
                .error(
                    rule,
                    "\(what) is \(used) characters; WhatsApp allows \(max)",
                    hint: "shorten it by \(used - max) characters",
                    at: text.location
                )
            )
            return
        }
        let variables = text.variables
        guard !variables.isEmpty else { return }
        let left = max - used
        if max <= 72 || left < max / 10 {
            let names = variables.map { "{{\($0)}}" }.joined(separator: ", ")
            diagnostics.append(
                .warning(
                    .variableBudget,
                    "\(what) uses \(names): the literal text takes \(used) of \(max) characters, leaving \(left) for the variable\(variables.count > 1 ? "s" : "")",
                    hint: "a longer value is cut to fit and ends with '…'; shorten the literal text to leave more room",
                    at: text.location
                )
            )
        }
    }

    mutating func plain(_ value: Located<String>?, max: Int, rule: Rule, what: String) {
        guard let value else { return }
        let used = value.value.whatsAppLength
        if used > max {
            diagnostics.append(
                .error(
                    rule,
                    "\(what) is \(used) characters; WhatsApp allows \(max)",
                    hint: "shorten it by \(used - max) characters",
                    at: value.location
                )
            )
        }
    }

    /// Reports the second and later copies of the same value.
    mutating func unique(_ values: [Located<String>], rule: Rule, what: String, foldCase: Bool = false) {
        var seen: [String: SourceLocation] = [:]
        for value in values {
            let key = foldCase ? value.value.lowercased() : value.value
            if let first = seen[key] {
                diagnostics.append(
                    .error(
                        rule,
                        "\(what) '\(value.value)' is used twice in one message",
                        hint: "make it unique; the first one is at line \(first.line)",
                        at: value.location
                    )
                )
            } else {
                seen[key] = value.location
            }
        }
    }

    mutating func count(_ count: Int, in range: ClosedRange<Int>, rule: Rule, what: String, at location: SourceLocation) {
        guard !range.contains(count) else { return }
        let allowed = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
        diagnostics.append(
            .error(
                rule,
                "\(what): \(count); WhatsApp allows \(allowed)",
                hint: count > range.upperBound
                    ? "split it into several messages, or remove \(count - range.upperBound)" : "add at least \(range.lowerBound)",
                at: location
            )
        )
    }
}
