import WhatsAppCloud
import Yams

/// How a plain (unquoted) scalar reads under YAML 1.2's core schema, the schema editors' YAML
/// language server uses to check a flow against `docs/flow.schema.json`. The loader reads numbers
/// and booleans through it so that the validator and the JSON Schema agree on what is a number:
/// `2`, `-3`, `0x1F`, `0o17`, `2.0` and `1e3` are numbers; `"2"`, `1_000`, `0b11` and `yes` are text.
enum CoreScalar {
    /// The integer a plain scalar spells, if it spells one: a decimal, `0o` octal or `0x`
    /// hexadecimal integer, or a number with a fraction of zero (`2.0`: JSON Schema's integers
    /// include it). Nil when it is something else or does not fit in 64 bits.
    static func integer(_ text: String) -> Int? {
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8).flatMap { digitsOnly(text.dropFirst(2)) ? $0 : nil } }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16).flatMap { digitsOnly(text.dropFirst(2), hex: true) ? $0 : nil } }
        if isDecimalInteger(text) { return Int(text) }
        guard let value = number(text), value.rounded(.towardZero) == value else { return nil }
        return Int(exactly: value)
    }

    /// The number a plain scalar spells under the core schema: an integer form or a decimal
    /// with an optional exponent (`1.5`, `.5`, `-2e3`), or `.inf`/`.nan` spelled as YAML spells them.
    static func number(_ text: String) -> Double? {
        if isDecimalInteger(text) { return Double(text) }
        if text.hasPrefix("0o") || text.hasPrefix("0x") { return integer(text).map(Double.init) }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard isDecimal(text) else { return nil }
        return Double(text)
    }

    /// `true` or `false` in one of the core schema's three spellings.
    static func boolean(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    private static func digitsOnly(_ text: Substring, hex: Bool = false) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (hex ? ASCII.hexValue($0) : ASCII.digitValue($0)) != nil }
    }

    private static func isDecimalInteger(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        return digitsOnly(rest)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isDecimal(_ text: String) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        var mantissa = rest
        var exponent: Substring?
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = rest[..<e]
            exponent = rest[rest.index(after: e)...]
        }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : nil
        let mantissaOK: Bool
        if let fraction {
            mantissaOK = whole.isEmpty ? digitsOnly(fraction) : digitsOnly(whole) && (fraction.isEmpty || digitsOnly(fraction))
        } else {
            mantissaOK = digitsOnly(whole)
        }
        guard mantissaOK else { return false }
        guard var exponent else { return true }
        if exponent.first == "-" || exponent.first == "+" { exponent = exponent.dropFirst() }
        return digitsOnly(exponent)
    }
}

extension Yams.Node {
    /// Whether the scalar was written without quotes, so that the core schema may read it as a
    /// number, a boolean or nothing.
    var isPlainScalar: Bool { scalar?.style == .plain }
}
