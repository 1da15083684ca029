import FlowModel
import Foundation
import WhatsAppCloud

/// Checks an answer against an `ask` node's `expect`, and says what to save.
enum Answers {
    struct Answer {
        var value: String
        /// Extra fields saved as `<save_as>.<field>`.
        var fields: [(String, String)] = []
    }

    static func accept(_ content: InboundMessage.Content, expecting expectation: AskStep.Expectation) -> Answer? {
        switch expectation {
        case .location:
            guard case .location(let latitude, let longitude, let name, let address) = content else { return nil }
            var fields = [("latitude", latitude.compactDescription), ("longitude", longitude.compactDescription)]
            if let name { fields.append(("name", name)) }
            if let address { fields.append(("address", address)) }
            return Answer(value: "\(latitude.compactDescription),\(longitude.compactDescription)", fields: fields)
        case .media(let kinds):
            guard case .media(let kind, let id, let caption, _, _) = content, kinds.isEmpty || kinds.contains(kind) else { return nil }
            var fields = [("id", id), ("kind", kind.rawValue)]
            if let caption { fields.append(("caption", caption)) }
            return Answer(value: id, fields: fields)
        default:
            guard let raw = content.text else { return nil }
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty, let value = check(text, expectation) else { return nil }
            return Answer(value: value)
        }
    }

    /// The value to save for typed text, or nil when it does not fit.
    static func check(_ text: String, _ expectation: AskStep.Expectation) -> String? {
        switch expectation {
        case .text:
            return text
        case .number(let min, let max, let integer):
            guard let number = Double(text.replacingOccurrences(of: ",", with: ".")), number.isFinite else { return nil }
            if integer, number.rounded(.towardZero) != number { return nil }
            if let min, number < min { return nil }
            if let max, number > max { return nil }
            return number.compactDescription
        case .email:
            return text.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) == nil ? nil : text.lowercased()
        case .phone:
            guard text.allSatisfy({ $0.isNumber || " +-.()".contains($0) }) else { return nil }
            let digits = text.filter(\.isASCIIDigit)
            guard (7...15).contains(digits.count) else { return nil }
            return (text.hasPrefix("+") ? "+" : "") + digits
        case .date:
            return isoDate(text)
        case .pattern(let pattern):
            return pattern.matches(text) ? text : nil
        case .oneOf(let words):
            return words.first { $0.foldedForMatching == text.foldedForMatching }
        case .media, .location:
            return nil
        }
    }

    /// `2026-11-21`, `21/11/2026`, `21-11-2026` or `21.11.2026` as YYYY-MM-DD, if it is a real date.
    static func isoDate(_ text: String) -> String? {
        let year: Int
        let month: Int
        let day: Int
        // `\d` matches every script's decimal digits (٢٠٢٦, २०२६); they are read by value, never
        // force-unwrapped.
        if let match = text.wholeMatch(of: /(\d{4})-(\d{1,2})-(\d{1,2})/),
            let y = decimal(match.1), let m = decimal(match.2), let d = decimal(match.3)
        {
            (year, month, day) = (y, m, d)
        } else if let match = text.wholeMatch(of: /(\d{1,2})[\/.\-](\d{1,2})[\/.\-](\d{4})/),
            let y = decimal(match.3), let m = decimal(match.2), let d = decimal(match.1)
        {
            (year, month, day) = (y, m, d)
        } else {
            return nil
        }
        guard CivilTime.isValidDate(year: year, month: month, day: day) else { return nil }
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// The value of a short run of decimal digits in any script, or nil.
    static func decimal(_ digits: Substring) -> Int? {
        var value = 0
        for character in digits {
            guard character.unicodeScalars.count == 1, character.unicodeScalars.first?.properties.numericType == .decimal,
                let digit = character.wholeNumberValue, value < 100_000
            else { return nil }
            value = value * 10 + digit
        }
        return digits.isEmpty ? nil : value
    }

    /// The re-prompt when the node gives no `retry`.
    static func retryText(for expectation: AskStep.Expectation) -> String {
        switch expectation {
        case .text: "Please send your answer as a text message."
        case .number(let min, let max, let integer):
            switch (min, max) {
            case let (min?, max?): "Please send a \(integer ? "whole " : "")number from \(min.compactDescription) to \(max.compactDescription)."
            default: "Please send a \(integer ? "whole " : "")number."
            }
        case .email: "Please send a valid email address, like name@example.com."
        case .phone: "Please send a phone number, like +31 20 123 4567."
        case .date: "Please send a date, like 2026-11-21 or 21/11/2026."
        case .pattern: "That doesn't look right. Please try again."
        case .oneOf(let words): "Please answer with one of: \(words.joined(separator: ", "))."
        case .media(let kinds):
            kinds.isEmpty
                ? "Please send a photo, video, audio or document." : "Please send \(kinds.map { "a \($0.rawValue)" }.joined(separator: " or "))."
        case .location: "Please share a location with the button below."
        }
    }
}

extension Double {
    /// `3` rather than `3.0`; other numbers as Swift prints them.
    var compactDescription: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
