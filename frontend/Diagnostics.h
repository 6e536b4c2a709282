// Source files and clang-style diagnostics for the model language:
//   file:line:col: error: message
//   <the source line>
//   <caret under the column>
// The front end knows nothing of MLIR; MLIRGen maps Location to FileLineColLoc.
#ifndef BRAID_FRONTEND_DIAGNOSTICS_H
#define BRAID_FRONTEND_DIAGNOSTICS_H

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace braid::frontend {

/// A 1-based line and byte column in the source file; 0:0 means "no place".
struct Location {
  uint32_t line = 0;
  uint32_t column = 0;
};

/// A model file's name and bytes, with the offsets of its lines.
class SourceFile {
public:
  SourceFile(std::string name, std::string contents);

  const std::string &name() const { return name_; }
  std::string_view contents() const { return contents_; }
  /// The text of a 1-based line, without its line break.
  std::string_view line(uint32_t line) const;
  /// The location of a byte offset.
  Location locationOf(size_t offset) const;

private:
  std::string name_;
  std::string contents_;
  std::vector<size_t> lineStarts_;
};

enum class Severity { Error, Warning, Note };

/// Collects and prints diagnostics. Stops printing errors past a limit, as
/// clang does, so a badly broken file does not flood the terminal.
class DiagnosticEngine {
public:
  DiagnosticEngine(const SourceFile &file, std::ostream &out,
                   unsigned errorLimit = 20)
      : file_(file), out_(out), errorLimit_(errorLimit) {}

  void error(Location loc, const std::string &message) {
    report(Severity::Error, loc, message);
  }
  void warning(Location loc, const std::string &message) {
    report(Severity::Warning, loc, message);
  }
  void note(Location loc, const std::string &message) {
    report(Severity::Note, loc, message);
  }
  void report(Severity severity, Location loc, const std::string &message);

  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  /// True once the error limit was reached: callers stop early.
  bool tooManyErrors() const { return errors_ >= errorLimit_; }

private:
  void printSourceLine(Location loc);

  const SourceFile &file_;
  std::ostream &out_;
  unsigned errorLimit_;
  unsigned errors_ = 0;
  bool suppressNotes_ = false;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_DIAGNOSTICS_H
