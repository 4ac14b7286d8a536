// Text made safe to stand in a URL.
#ifndef TAME_RUNNER_URL_H_
#define TAME_RUNNER_URL_H_

#include <string>

namespace tame {

/// `text` with every byte but RFC 3986's unreserved characters (letters,
/// digits, - . _ ~) and those in `keep` written as %XX: a path segment or
/// a query value with `keep` empty, a whole path with `keep` "/".
std::string PercentEncode(const std::string& text, const std::string& keep = "");

}  // namespace tame

#endif  // TAME_RUNNER_URL_H_
