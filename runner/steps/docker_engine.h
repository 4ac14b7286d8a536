// A client of the Docker Engine API (v1.41, what Docker 20.10 and later
// speak) over libcurl: a unix socket, or TCP with or without TLS, as
// DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and DOCKER_API_VERSION
// say, the way the docker CLI reads them.
//
//   Engine                one endpoint; Call() sends a request with a body
//                         streamed from a callback and hands the answer
//                         over in pieces as it arrives
//   JsonMessageStream     splits the engine's progress stream (one JSON
//                         object per line) into messages
//   ProgressPrinter       turns its "status" messages into log lines
#ifndef TAME_RUNNER_STEPS_DOCKER_ENGINE_H_
#define TAME_RUNNER_STEPS_DOCKER_ENGINE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/pipeline.h"

namespace tame {

struct EngineRequest {
  std::string method = "GET";
  std::string path;                  // after the version, with its query: "/images/x/json"
  std::vector<std::string> headers;  // "Name: value"
  /// The body, streamed: fills the buffer, returns the count, 0 at the
  /// end, -1 to give up (the call then fails with `body_error`).
  std::function<long(char* buffer, size_t size)> body;
  std::string body_text;  // used when `body` is empty and this is not
  std::function<std::string()> body_error;
};

struct EngineAnswer {
  long status = 0;
  std::string body;  // the whole body, unless an on_data callback took it
};

class Engine {
 public:
  /// The endpoint from the environment: DOCKER_HOST (unix:// or tcp://;
  /// unix:///var/run/docker.sock when unset). Returns false with `error`
  /// for a form tame cannot use (ssh://, npipe://).
  static bool FromEnvironment(Engine* engine, std::string* error);

  /// "unix:///var/run/docker.sock", as error messages name it.
  const std::string& address() const { return address_; }

  /// Sends `request`. A 2xx answer's body goes to `on_data` piece by piece
  /// when given (return false from it to stop reading); other answers are
  /// collected in `answer->body`. Returns false with `error` when the
  /// engine cannot be reached or the exchange breaks off; `error` then
  /// reads "cannot reach the Docker engine at ADDRESS: why".
  bool Call(const EngineRequest& request, EngineAnswer* answer, std::string* error,
            const std::function<bool(const char*, size_t)>& on_data = nullptr) const;

  /// Call() for answers that stream JSON messages (builds, pushes, pulls):
  /// each message of a 2xx answer goes to `on_message` as it arrives.
  bool CallForMessages(const EngineRequest& request, EngineAnswer* answer, std::string* error,
                       const std::function<void(const Json&)>& on_message) const;

  /// Asks the engine whether it answers (GET /_ping). Returns false with
  /// Call()'s `error` when it cannot be reached or does not answer OK.
  bool Ping(std::string* error) const;

  /// The "message" of an engine's JSON error answer, or the body itself.
  static std::string ErrorMessage(const EngineAnswer& answer);

 private:
  std::string address_;
  std::string socket_;    // unix socket path, or empty for TCP
  std::string base_url_;  // "http://localhost/v1.41"
  std::string ca_, cert_, key_;
};

class JsonMessageStream {
 public:
  /// Adds bytes of the stream; calls `on_message` for every complete line
  /// that is a JSON object (other lines are handed over as {"stream": line}).
  void Feed(const char* data, size_t size, const std::function<void(const Json&)>& on_message);
  /// Hands over what is left after the last line break.
  void Finish(const std::function<void(const Json&)>& on_message);

 private:
  void Emit(const std::string& line, const std::function<void(const Json&)>& on_message);
  std::string partial_;
};

/// Prints the engine's "status" messages (pulls and pushes) as log lines:
/// one when a layer's status changes, and during a long transfer one every
/// few seconds with the bytes done, never a line per progress message.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(std::ostream* out) : out_(out) {}
  /// Prints what `message` (one with "status", maybe "id" and
  /// "progressDetail") adds to what was printed before; may print nothing.
  void Status(const Json& message);

 private:
  std::ostream* out_;
  std::map<std::string, std::string> status_;  // by layer id
  std::map<std::string, int64_t> printed_ms_;
};

}  // namespace tame

#endif  // TAME_RUNNER_STEPS_DOCKER_ENGINE_H_
