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
#include <unordered_set>
#include <vector>

namespace braid::frontend {

/// A 1-based line and byte column in the source file; 0:0 means "no place".
struct Location {
  uint32_t line = 0;
  uint32_t column = 0;
  /// The block instance or loop iteration whose expansion holds this place
  /// (an index into DiagnosticEngine's instances, 0: none): an error there
  /// is followed by notes at the use sites.
  uint32_t instance = 0;
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

/// Where a block was instantiated or a loop body unrolled: an error inside
/// it gets the note "MESSAGE" at `loc`, and then its parent's.
struct InstanceNote {
  Location loc;
  std::string message;
  /// A block's instance (a call), not a loop's iteration.
  bool isCall = true;
};

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

  /// Registers an instance (a block call or a loop iteration) and returns
  /// the id to stamp on the locations of its expansion.
  uint32_t addInstance(Location useSite, std::string message,
                       bool isCall = true) {
    instances_.push_back({useSite, std::move(message), isCall});
    return static_cast<uint32_t>(instances_.size());
  }
  /// Every instance, by id - 1.
  const std::vector<InstanceNote> &instances() const { return instances_; }

  /// Where the instance holding `loc` was made (its call or loop), or `loc`
  /// itself outside any instance.
  Location useSite(Location loc) const {
    return loc.instance && loc.instance <= instances_.size()
               ? instances_[loc.instance - 1].loc
               : loc;
  }

  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  /// True once the error limit was reached: callers stop early.
  bool tooManyErrors() const { return errors_ >= errorLimit_; }

private:
  void printSourceLine(Location loc);
  void print(Severity severity, Location loc, const std::string &message);

  /// instances_[id - 1] for a Location's instance id.
  std::vector<InstanceNote> instances_;
  /// Errors and warnings already printed (line, column, message): the same
  /// problem in every instance of a block is reported once.
  std::unordered_set<std::string> reported_;

  const SourceFile &file_;
  std::ostream &out_;
  unsigned errorLimit_;
  unsigned errors_ = 0;
  bool suppressNotes_ = false;
};

} // namespace braid::frontend

#endif // BRAID_FRONTEND_DIAGNOSTICS_H
