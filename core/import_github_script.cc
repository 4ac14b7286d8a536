// The script a GitHub job's run steps become. GitHub starts each step in a
// fresh shell process from a file, applies what the step appended to
// $GITHUB_ENV and $GITHUB_PATH to the steps after it, reads its outputs from
// $GITHUB_OUTPUT, and skips the remaining steps after a failure unless
// their `if` says always() or failure(). The script does the same in sh.
#include "core/import_github.h"

namespace tame {
namespace importing {
namespace {

// The helpers, kept short: they are part of every imported script a user
// reads. tame_gh_read FILE [NAME] reads GitHub's name=value and
// name<<DELIM lines; with NAME it sets tame_found to NAME's last value,
// without it exports every name.
constexpr char kPrelude[] =
    "tame_gh=$(mktemp -d)\n"
    "trap 'rm -rf \"$tame_gh\"' EXIT\n"
    "export GITHUB_ENV=\"$tame_gh/env\" GITHUB_PATH=\"$tame_gh/path\"\n"
    ": > \"$GITHUB_ENV\"; : > \"$GITHUB_PATH\"\n"
    "tame_status=0\n"
    "tame_gh_read() {\n"
    "  while IFS= read -r tame_line || [ -n \"$tame_line\" ]; do\n"
    "    case ${tame_line%%=*} in\n"
    "      *'<<'*)\n"
    "        tame_name=${tame_line%%<<*} tame_delim=${tame_line#*<<} tame_value= tame_n=0\n"
    "        while IFS= read -r tame_line && [ \"$tame_line\" != \"$tame_delim\" ]; do\n"
    "          if [ $tame_n = 0 ]; then tame_value=$tame_line; else tame_value=\"$tame_value\n"
    "$tame_line\"; fi\n"
    "          tame_n=1\n"
    "        done ;;\n"
    "      \"$tame_line\") continue ;;\n"
    "      *) tame_name=${tame_line%%=*} tame_value=${tame_line#*=} ;;\n"
    "    esac\n"
    "    if [ -z \"${2-}\" ]; then export \"$tame_name=$tame_value\";\n"
    "    elif [ \"$tame_name\" = \"$2\" ]; then tame_found=$tame_value; fi\n"
    "  done < \"$1\"\n"
    "}\n"
    "tame_gh_apply() {\n"
    "  tame_gh_read \"$GITHUB_ENV\"\n"
    "  while IFS= read -r tame_line; do [ -z \"$tame_line\" ] || PATH=\"$tame_line:$PATH\"; done "
    "< \"$GITHUB_PATH\"\n"
    "  export PATH; : > \"$GITHUB_ENV\"; : > \"$GITHUB_PATH\"\n"
    "}\n";

// `value` in double quotes for the shell, its ${{ }} references left for
// tame to pass in the environment.
std::string DoubleQuoted(const std::string& value) {
  std::string out = "\"";
  size_t pos = 0;
  while (pos < value.size()) {
    size_t open = value.find("${{", pos);
    size_t close = open == std::string::npos ? open : value.find("}}", open);
    size_t end = close == std::string::npos ? value.size() : open;
    for (size_t i = pos; i < end; ++i) {
      char c = value[i];
      if (c == '\\' || c == '$' || c == '`' || c == '"') out += '\\';
      out += c;
    }
    if (close == std::string::npos) break;
    out += value.substr(open, close + 2 - open);
    pos = close + 2;
  }
  return out + "\"";
}

std::string Label(const std::string& job, const RunStep& s) {
  std::string label = "step " + std::to_string(s.index);
  if (!s.name.empty()) label += " (" + s.name + ")";
  return "job " + job + ", " + label;
}

std::string StepBlock(const std::string& job, const RunStep& s) {
  std::string out = "\n# " + Label(job, s) + ", line " + std::to_string(s.line) + "\n";
  std::string script = s.script;
  if (script.empty() || script.back() != '\n') script += '\n';
  std::string file = "\"$tame_gh/step" + std::to_string(s.index) + "\"";
  std::string marker = HereDocMarker(script, "TAME_STEP");
  out += "cat > " + file + " <<'" + marker + "'\n" + script + marker + "\n";
  std::string command = "(";
  if (!s.workdir.empty()) command += "cd " + ShellQuote(s.workdir) + " && ";
  for (const auto& [name, value] : s.env)
    command += "export " + name + "=" + DoubleQuoted(value) + " && ";
  command += "GITHUB_OUTPUT=\"$tame_gh/out\" " + s.shell;
  for (const std::string& flag : s.flags) command += " " + flag;
  command += " " + file + ")";
  if (s.continue_on_error) {
    command += " || echo " + ShellQuote("tame: " + Label(job, s) + " failed; continuing") + " >&2";
  } else {
    command += " || tame_status=$?";
  }
  std::string body = ": > \"$tame_gh/out\"\n" + command + "\ntame_gh_apply\n";
  for (const auto& [name, gh_name] : s.outputs) {
    body += "tame_found=; tame_gh_read \"$tame_gh/out\" " + gh_name + "; printf '" + name +
            "=%s\\n' \"$tame_found\" >> \"$TAME_OUTPUT\"\n";
  }
  switch (s.when) {
    case RunWhen::kAlways:
      return out + body;
    case RunWhen::kSuccess:
    case RunWhen::kFailure: {
      std::string test = s.when == RunWhen::kSuccess ? "=" : "!=";
      std::string indented;
      size_t start = 0;
      while (start < body.size()) {
        size_t end = body.find('\n', start);
        indented += "  " + body.substr(start, end - start + 1);
        start = end + 1;
      }
      return out + "if [ \"$tame_status\" " + test + " 0 ]; then\n" + indented + "fi\n";
    }
    case RunWhen::kNever:
      return out + "# cancelled() only: tame never runs it\n";
  }
  return out;
}

}  // namespace

std::string JobScript(const std::string& job, const std::vector<RunStep>& steps) {
  std::string out =
      "# The run steps of GitHub job " + job + ", each in its own shell as GitHub runs them.\n";
  out += kPrelude;
  for (const RunStep& s : steps) out += StepBlock(job, s);
  out += "exit \"$tame_status\"\n";
  return out;
}

}  // namespace importing
}  // namespace tame
