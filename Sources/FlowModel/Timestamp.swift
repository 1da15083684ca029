import Foundation

/// An instant, in whole milliseconds since 1970-01-01T00:00:00Z.
///
/// The engine never reads a clock: every instant it sees is one of these, passed in.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var millisecondsSince1970: Int64

    public init(millisecondsSince1970: Int64) { self.millisecondsSince1970 = millisecondsSince1970 }

    public init(_ date: Date) {
        millisecondsSince1970 = Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }
    public static func + (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(millisecondsSince1970: lhs.millisecondsSince1970 + rhs.milliseconds)
    }
    public static func - (lhs: Timestamp, rhs: TimeSpan) -> Timestamp {
        Timestamp(millisecondsSince1970: lhs.millisecondsSince1970 - rhs.milliseconds)
    }
    public static func - (lhs: Timestamp, rhs: Timestamp) -> TimeSpan {
        TimeSpan(milliseconds: lhs.millisecondsSince1970 - rhs.millisecondsSince1970)
    }

    /// ISO 8601 in UTC with milliseconds when they are not zero: `2026-11-21T10:00:00Z`.
    public var description: String {
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
        append(civil.year, width: 4); bytes.append(0x2D)
        append(civil.month, width: 2); bytes.append(0x2D)
        append(civil.day, width: 2); bytes.append(0x54)
        append(civil.hour, width: 2); bytes.append(0x3A)
        append(civil.minute, width: 2); bytes.append(0x3A)
        append(civil.second, width: 2)
        if millis != 0 { bytes.append(0x2E); append(Int(millis), width: 3) }
        bytes.append(0x5A)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses `2026-11-21T10:00:00Z`, `2026-11-21T10:00:00.250+01:00` or `2026-11-21 10:00` (UTC).
    public init?(iso8601 text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let pattern = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/
        guard let match = trimmed.wholeMatch(of: pattern) else { return nil }
        let year = Int(match.1)!, month = Int(match.2)!, day = Int(match.3)!
        let hour = match.4.map { Int($0)! } ?? 0, minute = match.5.map { Int($0)! } ?? 0
        let second = match.6.map { Int($0)! } ?? 0
        var millis = 0
        if let fraction = match.7 { millis = Int(fraction.padding(toLength: 3, withPad: "0", startingAt: 0))! }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else {
            return nil
        }
        var offsetSeconds = 0
        if let zone = match.8, zone != "Z" {
            let digits = zone.dropFirst().filter(\.isASCIIDigit)
            let hours = Int(digits.prefix(2))!, minutes = Int(digits.suffix(2))!
            offsetSeconds = (hours * 3600 + minutes * 60) * (zone.hasPrefix("-") ? -1 : 1)
        }
        let days = CivilTime.daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        millisecondsSince1970 = seconds * 1000 + Int64(millis)
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC, without Foundation's calendar (Howard Hinnant's
/// days-from-civil algorithm), so formatting is exact and cheap.
struct CivilTime {
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
