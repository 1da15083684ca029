import FlowModel
import Testing

/// Lengths of time and instants derived from input never trap: one bound on durations (10 years),
/// saturating arithmetic, real calendar dates only, and years that always print right.
struct BoundsTests {
    @Test(
        "lengths of time past 10 years, or past 64 bits, are refused with the reason",
        arguments: [
            ("9223372036854775807ms1ms", "is longer than 10 years"), ("106751991167d", "is longer than 10 years"),
            ("3654d", "is longer than 10 years"), ("0s", "must be longer than zero"), ("soon", "must be a length of time"),
        ]
    )
    func spanProblems(_ text: String, _ problem: String) {
        #expect(TimeSpan.problem(with: text) == problem)
    }

    @Test("10 years is the longest length of time, and it is fine")
    func longest() {
        #expect(TimeSpan.problem(with: "3653d") == nil)
        #expect(TimeSpan(parsing: "3653d") == TimeSpan.longest)
    }

    @Test("time arithmetic saturates instead of trapping, and stays within years 0000 to 9999")
    func saturating() {
        let huge = TimeSpan(milliseconds: .max)
        #expect((huge + huge).milliseconds == .max)
        #expect((TimeSpan(milliseconds: .min) - huge).milliseconds == .min)
        #expect(Timestamp.latest + .days(1) == Timestamp.latest)
        #expect(Timestamp.earliest - .days(1) == Timestamp.earliest)
        #expect(Timestamp.latest.adding(.days(1)) == nil)
        #expect(Timestamp(millisecondsSince1970: .max) - Timestamp(millisecondsSince1970: .min) == huge)
        #expect(TimeSpan(milliseconds: .min).description.hasPrefix("-"))
    }

    @Test("years outside 0000-9999 never print as a wrong date")
    func outOfRangeYears() {
        #expect(Timestamp.latest.description == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp.earliest.description == "0000-01-01T00:00:00Z")
        #expect(Timestamp(millisecondsSince1970: .max).description == "after 9999-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSince1970: .min).description == "before 0000-01-01T00:00:00Z")
    }

    @Test(
        "only real dates and offsets parse",
        arguments: [
            ("2026-02-31", false), ("2026-02-29", false), ("2024-02-29", true), ("2026-04-31", false),
            ("2026-11-02T10:00:00+99:99", false), ("2026-11-02T10:00:00+24:00", false), ("2026-11-02T10:00:00+05:30", true),
            ("2026-11-02T10:00:60Z", false),
        ]
    )
    func dates(_ text: String, _ valid: Bool) {
        #expect((Timestamp(iso8601: text) != nil) == valid)
    }

    @Test("the loader refuses over-long waits and impossible closed days, at their position")
    func loader() {
        let wait = diagnose("flow: t\nstart: n\nnodes:\n  n: { text: hi, goto: w }\n  w: { wait: 106751991167d, goto: end }\n")
        #expect(wait.contains { $0.rule == .invalidValue && $0.message.contains("longer than 10 years") && $0.location.line == 5 })
        let timeout = diagnose("flow: t\nstart: n\nnodes:\n  n: { ask: Name?, timeout: { after: 9223372036854775807ms1ms, goto: end }, goto: end }\n")
        #expect(timeout.contains { $0.message.contains("longer than 10 years") && $0.location.line == 4 })
        let closed = diagnose(
            """
            flow: t
            start: n
            schedules:
              desk: { zone: Europe/Amsterdam, hours: { mon: "09:00-17:00" }, closed: [2026-02-30] }
            nodes:
              n: { text: hi, goto: end }
            """
        )
        #expect(closed.contains { $0.message.contains("'2026-02-30' is not a date") })
    }

    @Test("a chain of the longest waits validates without trapping")
    func longChain() {
        var yaml = "flow: t\nstart: n0\nnodes:\n"
        for index in 0..<40 { yaml += "  n\(index): { wait: 3653d, goto: \(index == 39 ? "last" : "n\(index + 1)") }\n" }
        yaml += "  last: { text: bye, goto: end }\n"
        #expect(diagnose(yaml).contains { $0.rule == .missingReentry })
    }
}
