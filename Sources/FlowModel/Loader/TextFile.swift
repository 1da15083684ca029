import Foundation

/// Reads a designer's file as UTF-8 text, refusing what is not a readable regular file with a
/// sentence that says what it is: a missing path, a folder, a device or pipe (never opened, so a
/// FIFO cannot hang the command), unreadable, or not UTF-8.
public enum TextFile {
    /// The largest file Flowgate reads: 64 MiB, far past any real flow or scenario.
    public static let largest = 64 << 20

    public static func read(_ path: String) -> Result<String, Diagnostic> {
        func problem(_ message: String, _ hint: String) -> Result<String, Diagnostic> {
            .failure(.error(.unreadableFile, message, hint: hint, at: SourceLocation(file: path, line: 1, column: 1)))
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            return problem("there is no file at '\(path)'", "check the path; it is relative to the folder you run the command in")
        }
        switch attributes[.type] as? FileAttributeType {
        case .typeDirectory?:
            return problem("'\(path)' is a folder, not a file", "name a YAML file inside it, e.g. '\(path)/example.yaml'")
        case .typeRegular?:
            break
        default:
            return problem("'\(path)' is not a regular file (a device, a pipe or a socket)", "name a YAML file saved on disk")
        }
        if let size = attributes[.size] as? Int, size > largest {
            return problem("'\(path)' is \(size >> 20) MiB; Flowgate reads files up to \(largest >> 20) MiB", "split the flow into smaller files")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return problem("'\(path)' cannot be read", "check that you may read it (its permissions)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return problem("'\(path)' is not UTF-8 text", "save it as UTF-8 (UTF-16 and other encodings are not read)")
        }
        return .success(text)
    }
}
