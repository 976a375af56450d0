#include "proxy/access_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace latchkey::proxy {

std::string path_for_log(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

void write_access_log(LogSink& sink, const AccessRecord& record) {
  const auto latency_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - record.started)
                              .count();
  boost::json::object line;
  line["time"] = utc_timestamp_now();
  line["type"] = "access";
  line["client"] = record.client;
  line["route"] = record.route;
  line["method"] = record.method;
  line["path"] = record.path;
  line["status"] = record.status;
  line["user"] = record.user;
  line["app_password"] = record.app_password;
  if (!record.token.empty()) line["token"] = record.token;
  line["credential"] = record.credential;
  if (!record.reason.empty()) line["reason"] = record.reason;
  line["cached"] = record.cached;
  line["latency_us"] = latency_us;  // integer: Boost.JSON would print doubles as 1.2E1
  line["bytes_in"] = record.bytes_in;
  line["bytes_out"] = record.bytes_out;
  sink.write(boost::json::serialize(line));
}

}  // namespace latchkey::proxy
