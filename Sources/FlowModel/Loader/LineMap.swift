/// Turns libyaml's positions into the ones editors and the YAML language server show. libyaml
/// (YAML 1.1) also breaks lines at U+0085, U+2028 and U+2029; editors break only at `\n`, `\r\n`
/// and `\r`. And libyaml may point one line past the end of a file without a final newline. Every
/// position a diagnostic gives is inside the file, on the line an editor shows.
struct LineMap {
    /// For each libyaml line (index 0 is line 1): the editor's line, and the column it starts at.
    private var starts: [(line: Int, column: Int)] = [(1, 1)]
    /// The editor's lines, and the length of the last one.
    private var lastLine = 1
    private var lastLineLength = 0

    init(_ text: String) {
        var editorLine = 1
        var editorColumn = 1
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n":
                if !previousWasCR {
                    editorLine += 1
                    editorColumn = 1
                    starts.append((editorLine, 1))
                }
            case "\r":
                editorLine += 1
                editorColumn = 1
                starts.append((editorLine, 1))
            case "\u{85}", "\u{2028}", "\u{2029}":
                // A line break for libyaml only: its next line starts here, mid-line for editors.
                editorColumn += 1
                starts.append((editorLine, editorColumn))
            default:
                editorColumn += 1
            }
            previousWasCR = scalar == "\r"
        }
        lastLine = editorLine
        lastLineLength = editorColumn - 1
    }

    /// The editor's line and column for libyaml's (1-based) line and column.
    func position(line: Int, column: Int) -> (line: Int, column: Int) {
        guard line >= 1 else { return (1, 1) }
        guard line <= starts.count else { return (lastLine, max(1, lastLineLength)) }
        let start = starts[line - 1]
        let mapped = (start.line, start.column + max(0, column - 1))
        if mapped.0 == lastLine, mapped.1 > lastLineLength + 1 { return (lastLine, max(1, lastLineLength)) }
        return mapped
    }
}
