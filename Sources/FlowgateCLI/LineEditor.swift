import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads the simulator's input. At a terminal it edits lines with libedit (BSD editline, which
/// every Swift install on Linux has, as the REPL needs it): arrow keys move the cursor and recall
/// earlier lines instead of reaching the flow as escape bytes. From a pipe, or where libedit
/// cannot be loaded, plain lines.
final class LineEditor {
    private typealias ReadLine = @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutablePointer<CChar>?
    private typealias AddHistory = @convention(c) (UnsafePointer<CChar>?) -> Int32

    private let readline: ReadLine?
    private let addHistory: AddHistory?

    /// Whether lines are edited at a terminal (otherwise they are read as they come).
    var isEditing: Bool { readline != nil }

    init(terminal: Bool) {
        guard terminal, let library = dlopen("libedit.so.2", RTLD_NOW | RTLD_LOCAL), let read = dlsym(library, "readline") else {
            (readline, addHistory) = (nil, nil)
            return
        }
        readline = unsafeBitCast(read, to: ReadLine.self)
        addHistory = dlsym(library, "add_history").map { unsafeBitCast($0, to: AddHistory.self) }
    }

    /// The next line without its line break, or nil at the end of input (Ctrl-D).
    func line(prompt: String) -> String? {
        guard let readline else {
            FileHandle.standardOutput.write(Data(prompt.utf8))
            return Swift.readLine()
        }
        guard let pointer = readline(Self.invisibleMarked(prompt)) else { return nil }
        defer { free(pointer) }
        let text = String(decoding: UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)), as: UTF8.self)
        if !text.allSatisfy(\.isWhitespace) { _ = addHistory?(pointer) }
        return text
    }

    /// The prompt with each colour code between \u{1} and \u{2}, which tells the editor they take
    /// no columns, so the cursor keeps its place.
    static func invisibleMarked(_ prompt: String) -> String {
        var result = ""
        var inEscape = false
        for scalar in prompt.unicodeScalars {
            if scalar == "\u{1B}" {
                result += "\u{1}"
                inEscape = true
            }
            result.unicodeScalars.append(scalar)
            if inEscape, scalar == "m" {
                result += "\u{2}"
                inEscape = false
            }
        }
        return result
    }
}
