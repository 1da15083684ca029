import Foundation

/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// The engine never reads a clock: every instant it sees is one of these, passed in.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    /// Encoded as a plain number of milliseconds: compact, and cheap for the state stored on every event.
    public init(from decoder: any Decoder) throws {
        millisecondsSince1970 = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(millisecondsSince1970)
    }

    public init(_ date: Date) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }
    /// The first and last instants Flowgate works with: years 0000 to 9999, what ISO 8601 writes
    /// with four digits. Arithmetic on timestamps stays inside them instead of trapping.
    public static let earliest = Timestamp(millisecondsSince1970: -62_167_219_200_000)
    public static let latest = Timestamp(millisecondsSince1970: 253_402_300_799_999)

    /// True for an instant in years 0000 to 9999.
    public var isInRange: Bool { self >= Self.earliest && self <= Self.latest }

    /// The instant `rhs` later, kept within ``earliest`` and ``latest``.
    public static func + (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        clamped(TimeSpan(milliseconds: lhs.millisecondsSince1970) + rhs)
    }
    public static func - (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        clamped(TimeSpan(milliseconds: lhs.millisecondsSince1970) - rhs)
    }
    public static func - (lhs: Timestamp, rhs: Timestamp) -> TimeSpan {
        TimeSpan(milliseconds: lhs.millisecondsSince1970) - TimeSpan(milliseconds: rhs.millisecondsSince1970)
    }

    /// `base + span` when it stays in years 0000 to 9999, else nil: for callers that must refuse
    /// (the simulator's clock) rather than clamp.
    public func adding(_ span: TimeSpan) -> Timestamp? {
        let (sum, overflow) = millisecondsSince1970.addingReportingOverflow(span.milliseconds)
        let result = Timestamp(millisecondsSince1970: sum)
        return !overflow && result.isInRange ? result : nil
    }

    private static func clamped(_ span: TimeSpan) -> Timestamp {
        Timestamp(millisecondsSince1970: min(max(span.milliseconds, earliest.millisecondsSince1970), latest.millisecondsSince1970))
    }

    /// ISO 8601 in UTC with milliseconds when they are not zero: `2026-11-21T10:00:00Z`.
    public var description: String {
        guard isInRange else {
            // Outside four-digit years (only a value built or decoded directly): say so, never a
            // wrong date.
            return self < Self.earliest ? "before 0000-01-01T00:00:00Z" : "after 9999-12-31T23:59:59.999Z"
        }
        let seconds = millisecondsSince1970.floorDivided(by: 1000)
        let millis = millisecondsSince1970 - seconds * 1000
        let civil = CivilTime(secondsSince1970: seconds)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int, width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(48 + value / divisor % 10))
                divisor /= 10
            }
        }
        append(civil.year, width: 4)
        bytes.append(0x2D)
        append(civil.month, width: 2)
        bytes.append(0x2D)
        append(civil.day, width: 2)
        bytes.append(0x54)
        append(civil.hour, width: 2)
        bytes.append(0x3A)
        append(civil.minute, width: 2)
        bytes.append(0x3A)
        append(civil.second, width: 2)
        if millis != 0 {
            bytes.append(0x2E)
            append(Int(millis), width: 3)
        }
        bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `2026-11-21T10:00:00Z`, `2026-11-21T10:00:00.250+01:00`, `2026-11-21 10:00` or
    /// `2026-11-21` (UTC unless an offset is given). A hand-rolled scanner: the engine parses saved
    /// times on hot paths (`within` conditions), where building a regular expression per call costs
    /// more than the whole event.
    public init?(iso8601 text: String) {
        var bytes = Array(text.utf8)[...]
        while bytes.first == 0x20 { bytes = bytes.dropFirst() }
        while bytes.last == 0x20 { bytes = bytes.dropLast() }
        func number(_ count: Int) -> Int? {
            guard bytes.count >= count else { return nil }
            var value = 0
            for byte in bytes.prefix(count) {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            bytes = bytes.dropFirst(count)
            return value
        }
        func eat(_ byte: UInt8) -> Bool {
            guard bytes.first == byte else { return false }
            bytes = bytes.dropFirst()
            return true
        }
        guard let year = number(4), eat(0x2D), let month = number(2), eat(0x2D), let day = number(2) else { return nil }
        var hour = 0
        var minute = 0
        var second = 0
        var millis = 0
        if eat(0x54) || eat(0x20) {
            guard let h = number(2), eat(0x3A), let m = number(2) else { return nil }
            (hour, minute) = (h, m)
            if eat(0x3A) {
                guard let s = number(2) else { return nil }
                second = s
                if eat(0x2E) {
                    var digits = 0
                    while let byte = bytes.first, (0x30...0x39).contains(byte) {
                        if digits < 3 { millis = millis * 10 + Int(byte - 0x30) }
                        digits += 1
                        bytes = bytes.dropFirst()
                    }
                    guard digits > 0 else { return nil }
                    if digits < 3 { for _ in digits..<3 { millis *= 10 } }
                }
            }
        }
        var offsetSeconds = 0
        if eat(0x5A) {
            // UTC
        } else if let sign = bytes.first, sign == 0x2B || sign == 0x2D {
            bytes = bytes.dropFirst()
            guard let h = number(2) else { return nil }
            _ = eat(0x3A)
            guard let m = number(2), h < 24, m < 60 else { return nil }
            offsetSeconds = (h * 3600 + m * 60) * (sign == 0x2D ? -1 : 1)
        }
        guard bytes.isEmpty, CivilTime.isValidDate(year: year, month: month, day: day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        millisecondsSince1970 = seconds * 1000 + Int64(millis)
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation's calendar (Howard Hinnant's
/// days-from-civil algorithm), so formatting is exact and cheap.
public struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    init(secondsSince1970 seconds: Int64) {
        let days = Int(seconds.floorDivided(by: 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
    }

    /// True for a real day of the proleptic Gregorian calendar: no 31 February, 29 February only
    /// in leap years.
    public static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }

    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
