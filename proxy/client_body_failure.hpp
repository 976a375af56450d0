// How a failed read of a client's request body is answered. The upstream already has the
// head, so the upstream connection is dropped either way (the upstream sees an aborted body).
#pragma once

#include <boost/system/error_code.hpp>
#include <optional>
#include <string_view>

#include "proxy/local_reply.hpp"

namespace latchkey::proxy {

struct ClientBodyFailure {
  std::string_view reason;          // for the access log
  std::optional<LocalReply> reply;  // nullopt: nothing is answered, the connection closes
  std::string_view limit;           // the configured limit that was hit, "" when none
  unsigned status = 400;            // for the access log when nothing is answered
};

ClientBodyFailure client_body_failure(const boost::system::error_code& ec);

}  // namespace latchkey::proxy
