import FlowModel
import Foundation

/// How the simulator writes times: `10:00`, `2026-11-03 10:00`, `Tuesday 2026-11-03`.
enum TimeText {
    static func time(_ stamp: Timestamp) -> String {
        let text = stamp.description  // 2026-11-03T10:00:00Z or with .250
        let start = text.index(text.startIndex, offsetBy: 11)
        let seconds = text[text.index(start, offsetBy: 5)...].prefix(3)
        return String(text[start..<text.index(start, offsetBy: 5)]) + (seconds == ":00" ? "" : String(seconds))
    }

    static func day(_ stamp: Timestamp) -> String { String(stamp.description.prefix(10)) }

    static func dateTime(_ stamp: Timestamp) -> String { "\(day(stamp)) \(time(stamp)) UTC" }

    /// `2026-11-03 10:00 UTC, 11:00 in Europe/Amsterdam`: the flow's local time beside UTC, with
    /// the date too when it is another day there. UTC alone without a zone, or in a UTC zone.
    static func dateTime(_ stamp: Timestamp, zone: TimeZone?) -> String {
        guard let zone, !["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"].contains(zone.identifier) else { return dateTime(stamp) }
        let offset = Int64(zone.secondsFromGMT(for: stamp.date)) * 1000
        let (shifted, overflow) = stamp.millisecondsSince1970.addingReportingOverflow(offset)
        guard !overflow else { return dateTime(stamp) }
        let local = Timestamp(millisecondsSince1970: shifted)
        let when = day(local) == day(stamp) ? time(local) : "\(day(local)) \(time(local))"
        return "\(dateTime(stamp)), \(when) in \(zone.identifier)"
    }

    /// `12:00` on the same day as `now`, else the date too.
    static func near(_ stamp: Timestamp, now: Timestamp) -> String {
        day(stamp) == day(now) ? time(stamp) : "\(day(stamp)) \(time(stamp))"
    }

    static func weekday(_ stamp: Timestamp) -> String {
        let days = Int((stamp.millisecondsSince1970 / 86_400_000)) - (stamp.millisecondsSince1970 < 0 ? 1 : 0)
        let names = ["Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"]
        return names[((days % 7) + 7) % 7]
    }

    /// `23h59m`, `45m`, `0s`: a length rounded down to the minute when over one.
    /// Time left, never shown as zero while any is left: under a second reads "<1s".
    static func left(_ span: TimeSpan) -> String {
        span.milliseconds > 0 && span.milliseconds < 1000 ? "<1s" : self.span(span)
    }

    static func span(_ span: TimeSpan) -> String {
        let minutes = span.milliseconds / 60_000
        if minutes == 0 { return TimeSpan(milliseconds: span.milliseconds / 1000 * 1000).description }
        return TimeSpan.minutes(minutes).description
    }
}
