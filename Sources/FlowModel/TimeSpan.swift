import Foundation
import WhatsAppCloud

/// A length of time in whole milliseconds, as designers write it: `90s`, `30m`, `2h`, `1d`, `1h30m`.
public struct TimeSpan: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Encoded as a plain number of milliseconds.
    public init(from decoder: any Decoder) throws {
        milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }

    public static func seconds(_ value: Int64) -> TimeSpan {
        TimeSpan(milliseconds: saturating(value.multipliedReportingOverflow(by: 1000), sign: value))
    }
    public static func minutes(_ value: Int64) -> TimeSpan { .seconds(saturating(value.multipliedReportingOverflow(by: 60), sign: value)) }
    public static func hours(_ value: Int64) -> TimeSpan { .minutes(saturating(value.multipliedReportingOverflow(by: 60), sign: value)) }
    public static func days(_ value: Int64) -> TimeSpan { .hours(saturating(value.multipliedReportingOverflow(by: 24), sign: value)) }
    public static let zero = TimeSpan(milliseconds: 0)

    /// The longest length of time a flow or a scenario may write: 10 years. Every wait, timeout,
    /// margin and clock move is within it, so no sum of them can overflow.
    public static let longest = TimeSpan.days(3653)

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Sums and differences saturate at the ends of the 64-bit range instead of trapping.
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(milliseconds: saturating(lhs.milliseconds.addingReportingOverflow(rhs.milliseconds), sign: rhs.milliseconds))
    }
    public static func - (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan {
        TimeSpan(
            milliseconds: saturating(
                lhs.milliseconds.subtractingReportingOverflow(rhs.milliseconds),
                sign: rhs.milliseconds == .min ? 1 : -rhs.milliseconds
            )
        )
    }

    /// The result, or the end of the range it ran past (the direction `sign` points).
    static func saturating(_ result: (partialValue: Int64, overflow: Bool), sign: Int64) -> Int64 {
        guard result.overflow else { return result.partialValue }
        return sign >= 0 ? .max : .min
    }

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
    ]

    /// Parses `2h`, `30m`, `1d12h`, `500ms`; returns nil for anything else (including no unit).
    public init?(parsing text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces).lowercased())
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isASCIIDigit)
            guard !digits.isEmpty, let number = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = Self.units.first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(unit.suffix.count)
            let (product, overflow) = number.multipliedReportingOverflow(by: unit.milliseconds)
            guard !overflow else { return nil }
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        milliseconds = total
    }

    /// Why `text` is not a usable length of time, or nil when it is one: not written as one, not
    /// longer than zero, or longer than ``longest`` (10 years).
    public static func problem(with text: String) -> String? {
        let written = text.trimmingCharacters(in: .whitespaces).lowercased()
        let wellFormed =
            !written.isEmpty && written.allSatisfy { $0.isASCIIDigit || "dhms".contains($0) }
            && written.first?.isASCIIDigit == true && written.last.map { !$0.isASCIIDigit } == true
        guard let span = TimeSpan(parsing: text) else {
            return wellFormed ? "is longer than 10 years" : "must be a length of time"
        }
        if span.milliseconds <= 0 { return "must be longer than zero" }
        if span > longest { return "is longer than 10 years" }
        return nil
    }

    /// The shortest designer spelling: `1d2h`, `30m`, `1500ms`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var text = milliseconds < 0 ? "-" : ""
        // The magnitude, kept unsigned so Int64.min has one too.
        var rest = milliseconds.magnitude
        if rest % 1000 != 0 { return text + "\(rest)ms" }
        for (suffix, size) in Self.units where suffix != "ms" && rest >= UInt64(size) {
            text += "\(rest / UInt64(size))\(suffix)"
            rest %= UInt64(size)
        }
        return text
    }
}

extension TimeSpan {
    /// The customer service window's length, from ``WhatsAppLimits/serviceWindowHours``.
    public static let serviceWindow = TimeSpan.hours(Int64(WhatsAppLimits.serviceWindowHours))
}
