// Clang-style diagnostics with the source line and a caret.
#include "frontend/Diagnostics.h"

#include <algorithm>

namespace braid::frontend {

SourceFile::SourceFile(std::string name, std::string contents)
    : name_(std::move(name)), contents_(std::move(contents)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < contents_.size(); ++i)
    if (contents_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

std::string_view SourceFile::line(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  size_t begin = lineStarts_[line - 1];
  size_t end =
      line < lineStarts_.size() ? lineStarts_[line] - 1 : contents_.size();
  if (end > begin && contents_[end - 1] == '\r')
    --end;
  return std::string_view(contents_).substr(begin, end - begin);
}

Location SourceFile::locationOf(size_t offset) const {
  auto it = std::upper_bound(lineStarts_.begin(), lineStarts_.end(), offset);
  size_t line = it - lineStarts_.begin();
  return {static_cast<uint32_t>(line),
          static_cast<uint32_t>(offset - lineStarts_[line - 1] + 1)};
}

void DiagnosticEngine::report(Severity severity, Location loc,
                              const std::string &message) {
  if (severity == Severity::Note) {
    if (suppressNotes_)
      return;
  } else {
    // A note belongs to the diagnostic before it: drop it with its parent.
    suppressNotes_ = severity == Severity::Error && errors_ >= errorLimit_;
    // Every instance of a block repeats the block's problems: the first
    // instance's report (with its use site) stands for all.
    if (!suppressNotes_ && loc.instance != 0 &&
        !reported_
             .insert(std::to_string(loc.line) + ':' +
                     std::to_string(loc.column) + ':' + message)
             .second)
      suppressNotes_ = true;
    if (suppressNotes_)
      return;
  }
  print(severity, loc, message);
  if (severity == Severity::Note)
    return;
  // The chain of use sites, innermost first: "in instance 'blocks.2' of
  // block 'gpt_block'", then where the enclosing instance was made.
  for (uint32_t id = loc.instance; id != 0 && id <= instances_.size();) {
    const InstanceNote &instance = instances_[id - 1];
    print(Severity::Note, instance.loc, instance.message);
    id = instance.loc.instance;
  }
}

void DiagnosticEngine::print(Severity severity, Location loc,
                             const std::string &message) {
  const char *label = severity == Severity::Error     ? "error"
                      : severity == Severity::Warning ? "warning"
                                                      : "note";
  out_ << file_.name();
  if (loc.line)
    out_ << ':' << loc.line << ':' << loc.column;
  // Messages quote names and numbers from the file, which may be a megabyte
  // long: like the source line, show a readable start of such a message.
  constexpr size_t kMaxMessage = 400;
  if (message.size() > kMaxMessage)
    out_ << ": " << label << ": " << message.substr(0, kMaxMessage) << "...\n";
  else
    out_ << ": " << label << ": " << message << '\n';
  if (loc.line)
    printSourceLine(loc);
  if (severity == Severity::Error && ++errors_ == errorLimit_)
    out_ << file_.name() << ": error: too many errors (" << errorLimit_
         << "), stopping now\n";
}

void DiagnosticEngine::printSourceLine(Location loc) {
  std::string_view text = file_.line(loc.line);
  // Show at most a window of the line around the column, so that a 1 MB line
  // prints a readable excerpt.
  constexpr size_t kWindow = 100;
  size_t column =
      std::min<size_t>(loc.column ? loc.column - 1 : 0, text.size());
  size_t begin = column > kWindow ? column - kWindow : 0;
  size_t end = std::min(text.size(), column + kWindow);
  std::string shown = begin > 0 ? "..." : "";
  std::string caret = begin > 0 ? "   " : "";
  for (size_t i = begin; i < end; ++i) {
    unsigned char c = text[i];
    // Bytes that would not print as one column (control bytes, bytes of
    // invalid or multi-byte UTF-8) show as '?', so the caret stays aligned.
    bool printable = c == '\t' || (c >= 0x20 && c < 0x7f);
    shown += printable ? static_cast<char>(c) : '?';
    if (i < column)
      caret += c == '\t' ? '\t' : ' ';
  }
  if (end < text.size())
    shown += "...";
  out_ << shown << '\n' << caret << "^\n";
}

} // namespace braid::frontend
