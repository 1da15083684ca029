/// Did-you-mean suggestions for misspelt keys, node names and values.
public enum Suggestion {
    /// The closest candidate within a small edit distance, if any.
    ///
    /// Bounded work: a word longer than ``longestWord`` gets no suggestion, and a candidate whose
    /// length differs by more than the allowed edits is never compared, so each comparison is at
    /// most `longestWord`² steps, whatever the file holds.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let length = word.count
        guard length <= longestWord else { return nil }
        let lowered = word.lowercased()
        let limit = max(1, min(3, length / 3))
        var best: (name: String, distance: Int)?
        for candidate in Set(candidates) where abs(candidate.count - length) <= limit {
            let distance = editDistance(lowered, candidate.lowercased())
            guard distance <= limit else { continue }
            if let current = best, distance > current.distance || (distance == current.distance && candidate >= current.name) { continue }
            best = (candidate, distance)
        }
        if let best { return best.name }
        // A key cut short (`save` for `save_as`): the shortest candidate it begins.
        guard length >= 3 else { return nil }
        return Set(candidates).filter { $0.count > length && $0.lowercased().hasPrefix(lowered) }
            .min { ($0.count, $0) < ($1.count, $1) }
    }

    /// Words longer than this are not typos of a key or a name; they get no suggestion.
    static let longestWord = 64

    /// "did you mean 'x'?" when one is close, else the list of candidates.
    public static func hint(for word: String, among candidates: [String], listing: String) -> String {
        if let match = closest(to: word, among: candidates) { return "did you mean '\(match)'?" }
        let unique = Array(Set(candidates)).sorted()
        let shown = unique.prefix(12).joined(separator: ", ")
        return "\(listing): \(shown)\(unique.count > 12 ? ", …" : "")"
    }

    /// Levenshtein distance with transpositions counted as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
