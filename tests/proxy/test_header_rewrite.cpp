#define BOOST_TEST_DYN_LINK
#include <algorithm>
#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.hpp"
#include "config/config.hpp"
#include "proxy/header_rewrite.hpp"
#include "tests/proxy/parsed_head.hpp"

namespace http = boost::beast::http;
using latchkey::auth::Identity;
using latchkey::config::Route;
using latchkey::proxy::collect_identity_header_names;
using latchkey::proxy::ForwardContext;
using latchkey::proxy::rewrite_client_response;
using latchkey::proxy::rewrite_upstream_request;
using latchkey::test::parse_request;
using latchkey::test::parse_response;

namespace {

// The key an upstream (CGI, WSGI, Rack, PHP) would see: case and '_'/'-' do not matter.
std::string cgi_key(std::string_view name) {
  std::string key(name);
  for (char& c : key) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

// Every value of every field whose name an upstream would read as `name`, in order.
template <class Fields>
std::vector<std::string> values(const Fields& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& field : fields) {
    if (cgi_key(field.name_string()) == cgi_key(name)) out.emplace_back(field.value());
  }
  return out;
}

using Values = std::vector<std::string>;

std::string join(const Values& v) {
  std::string out = "[";
  for (const auto& s : v) out += (out.size() > 1 ? "|" : "") + s;
  return out + "]";
}

Route make_route(bool auth_required, std::string user_header = "", std::string email_header = "") {
  Route r;
  r.name = "app";
  r.path_prefix = "/";
  r.auth.required = auth_required;
  r.identity_headers.user = std::move(user_header);
  r.identity_headers.email = std::move(email_header);
  r.upstream.url = "http://backend.internal:8080";
  r.upstream.scheme = "http";
  r.upstream.host = "backend.internal";
  r.upstream.port = 8080;
  return r;
}

Identity alice(std::string email = "alice@example.com") {
  Identity id;
  id.user_id = 7;
  id.username = "alice";
  id.email = std::move(email);
  return id;
}

ForwardContext context(const std::vector<std::string>* names = nullptr, bool tls = false) {
  ForwardContext c;
  c.client_address = "192.0.2.10";
  c.client_tls = tls;
  c.identity_header_names = names;
  return c;
}

http::request_header<> forwarded(std::string_view raw, const Route& route, const Identity* identity,
                                 const ForwardContext& ctx) {
  auto head = parse_request(raw);
  rewrite_upstream_request(head, route, identity, ctx);
  return head;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(header_rewrite)

BOOST_AUTO_TEST_CASE(authorization_never_reaches_the_upstream) {
  // DESIGN §5.2: the client's password must not leak to the upstream, on any route.
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n"
      "authorization: Basic Ym9iOnB3\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n";
  const Identity id = alice();
  for (const bool auth_required : {true, false}) {
    BOOST_TEST_CONTEXT("auth required: " << auth_required) {
      const auto head = forwarded(raw, make_route(auth_required, "X-Forwarded-User"),
                                  auth_required ? &id : nullptr, context());
      BOOST_TEST(values(head, "Authorization").empty());
      BOOST_TEST(values(head, "Proxy-Authorization").empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(hop_by_hop_headers_are_removed_and_end_to_end_ones_kept) {
  const auto head = forwarded(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
      "Proxy-Connection: keep-alive\r\nTE: trailers\r\nTrailer: X-Checksum\r\n"
      "Upgrade: websocket\r\nProxy-Authorization: Basic eDp5\r\nAccept: text/html\r\n"
      "User-Agent: git/2.40\r\nCookie: session=1\r\nX-Request-Id: r1\r\n\r\n",
      make_route(true), nullptr, context());
  for (const char* gone : {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                           "Upgrade", "Proxy-Authorization"}) {
    BOOST_TEST_CONTEXT(gone) {
      BOOST_TEST(values(head, gone).empty());
    }
  }
  BOOST_TEST(join(values(head, "Accept")) == "[text/html]");
  BOOST_TEST(join(values(head, "User-Agent")) == "[git/2.40]");
  BOOST_TEST(join(values(head, "Cookie")) == "[session=1]");
  BOOST_TEST(join(values(head, "X-Request-Id")) == "[r1]");
}

BOOST_AUTO_TEST_CASE(headers_named_in_connection_are_removed) {
  // RFC 9110 §7.6.1: options named in Connection are for this hop only.
  const auto head = forwarded(
      "GET / HTTP/1.1\r\nHost: h\r\nConnection: X-Debug ,\tx-trace, close\r\n"
      "Connection: X-Hop\r\nX-Debug: 1\r\nX-Trace: 2\r\nX-Hop: 3\r\nX-Other: 4\r\n\r\n",
      make_route(true), nullptr, context());
  BOOST_TEST(values(head, "X-Debug").empty());
  BOOST_TEST(values(head, "X-Trace").empty());
  BOOST_TEST(values(head, "X-Hop").empty());
  BOOST_TEST(join(values(head, "X-Other")) == "[4]");
}

BOOST_AUTO_TEST_CASE(connection_cannot_remove_framing_or_host) {
  // Smuggling guard: dropping Content-Length on the client's say-so would make the upstream
  // read the body as the next request.
  {
    const auto head = forwarded(
        "POST / HTTP/1.1\r\nHost: h\r\nConnection: Content-Length, content_length, Host\r\n"
        "Content-Length: 5\r\n\r\n",
        make_route(true), nullptr, context());
    BOOST_TEST(join(values(head, "Content-Length")) == "[5]");
    BOOST_TEST(join(values(head, "Host")) == "[backend.internal:8080]");
    BOOST_TEST(join(values(head, "X-Forwarded-Host")) == "[h]");
  }
  {
    const auto head = forwarded(
        "POST / HTTP/1.1\r\nHost: h\r\nConnection: Transfer-Encoding\r\n"
        "Transfer-Encoding: chunked\r\n\r\n",
        make_route(true), nullptr, context());
    BOOST_TEST(join(values(head, "Transfer-Encoding")) == "[chunked]");
  }
}

BOOST_AUTO_TEST_CASE(client_identity_headers_are_removed_in_any_spelling) {
  // DESIGN §5.2: only latchkey speaks for the user. CGI-style upstreams read
  // "x_forwarded_user" as X-Forwarded-User, so every spelling goes.
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-User: root\r\nx_forwarded_user: root\r\n"
      "X-FORWARDED-USER: root\r\nX_Forwarded_Email: root@evil.example\r\n"
      "x-forwarded-email: root@evil.example\r\n\r\n";
  const Route route = make_route(true, "X-Forwarded-User", "X-Forwarded-Email");
  const Identity id = alice();

  const auto with_identity = forwarded(raw, route, &id, context());
  BOOST_TEST(join(values(with_identity, "X-Forwarded-User")) == "[alice]");
  BOOST_TEST(join(values(with_identity, "X-Forwarded-Email")) == "[alice@example.com]");

  // Without a verified identity (e.g. a caller forgot it) nothing of the client's survives.
  const auto without_identity = forwarded(raw, route, nullptr, context());
  BOOST_TEST(values(without_identity, "X-Forwarded-User").empty());
  BOOST_TEST(values(without_identity, "X-Forwarded-Email").empty());
}

BOOST_AUTO_TEST_CASE(identity_headers_of_other_routes_are_removed_too) {
  // A public route must not let the client hand the shared upstream another route's
  // identity header.
  std::vector<Route> routes{make_route(false), make_route(true, "X-Remote-User", "X_Remote_Email")};
  const auto names = collect_identity_header_names(routes);
  const auto head = forwarded(
      "GET / HTTP/1.1\r\nHost: h\r\nX-Remote-User: root\r\nx_remote_user: root\r\n"
      "X-REMOTE-EMAIL: root@evil.example\r\nX-Remote-Group: staff\r\n\r\n",
      routes[0], nullptr, context(&names));
  BOOST_TEST(values(head, "X-Remote-User").empty());
  BOOST_TEST(values(head, "X-Remote-Email").empty());
  BOOST_TEST(join(values(head, "X-Remote-Group")) == "[staff]");  // not an identity header
}

BOOST_AUTO_TEST_CASE(identity_header_names_are_collected_normalised_and_once) {
  std::vector<Route> routes{make_route(true, "X-Forwarded-User", "X-Forwarded-Email"),
                            make_route(false), make_route(true, "x_forwarded_user", ""),
                            make_route(true, "", "Remote-EMAIL")};
  const auto names = collect_identity_header_names(routes);
  BOOST_TEST(join(names) == "[x-forwarded-user|x-forwarded-email|remote-email]");
}

BOOST_AUTO_TEST_CASE(verified_identity_is_added) {
  const Identity with_email = alice();
  const Identity without_email = alice("");
  const std::string raw = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  {
    const auto head = forwarded(raw, make_route(true, "X-Forwarded-User", "X-Forwarded-Email"),
                                &with_email, context());
    BOOST_TEST(join(values(head, "X-Forwarded-User")) == "[alice]");
    BOOST_TEST(join(values(head, "X-Forwarded-Email")) == "[alice@example.com]");
  }
  {
    // An empty e-mail is no e-mail: the header is left out rather than sent empty.
    const auto head = forwarded(raw, make_route(true, "X-Forwarded-User", "X-Forwarded-Email"),
                                &without_email, context());
    BOOST_TEST(join(values(head, "X-Forwarded-User")) == "[alice]");
    BOOST_TEST(values(head, "X-Forwarded-Email").empty());
  }
  {
    // Only the configured headers are sent.
    const auto head = forwarded(raw, make_route(true, "X-Remote-User"), &with_email, context());
    BOOST_TEST(join(values(head, "X-Remote-User")) == "[alice]");
    BOOST_TEST(values(head, "X-Forwarded-User").empty());
    for (const auto& field : head) BOOST_TEST(field.value() != "alice@example.com");
  }
}

BOOST_AUTO_TEST_CASE(auth_none_route_sends_no_identity) {
  // A public route would otherwise vouch for whatever identity the caller happened to hold.
  const Identity id = alice();
  const auto head =
      forwarded("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-User: root\r\n\r\n",
                make_route(false, "X-Forwarded-User", "X-Forwarded-Email"), &id, context());
  BOOST_TEST(values(head, "X-Forwarded-User").empty());
  BOOST_TEST(values(head, "X-Forwarded-Email").empty());
}

BOOST_AUTO_TEST_CASE(forwarding_headers_describe_the_real_client) {
  // Client-sent X-Forwarded-* / Forwarded / X-Real-IP would let it choose its own address.
  const std::string raw =
      "GET / HTTP/1.1\r\nHost: Tracker.Example.com:8443\r\nX-Forwarded-For: 10.0.0.1\r\n"
      "x_forwarded_for: 10.0.0.2\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n"
      "Forwarded: for=10.0.0.3;proto=https\r\nX-Real-IP: 10.0.0.4\r\nx_real_ip: 10.0.0.5\r\n\r\n";
  {
    const auto head = forwarded(raw, make_route(true), nullptr, context());
    BOOST_TEST(join(values(head, "X-Forwarded-For")) == "[192.0.2.10]");
    BOOST_TEST(join(values(head, "X-Forwarded-Proto")) == "[http]");
    BOOST_TEST(join(values(head, "X-Forwarded-Host")) == "[Tracker.Example.com:8443]");
    BOOST_TEST(values(head, "Forwarded").empty());
    BOOST_TEST(values(head, "X-Real-IP").empty());
  }
  {
    // What frameworks behind a trusted proxy read as the scheme, port, prefix or address.
    const std::vector<std::string> names{
        "X-Forwarded-Port",   "X-Forwarded-Prefix", "X-Forwarded-Ssl",     "X-Forwarded-Scheme",
        "X-Forwarded-Server", "X-Forwarded-Uri",    "Front-End-Https",     "X-Url-Scheme",
        "X-Client-IP",        "True-Client-IP",     "X-Cluster-Client-IP", "X-Original-URI",
        "x_forwarded_ssl"};
    std::string spoofed = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (const auto& name : names) spoofed += name + ": on\r\n";
    const auto head = forwarded(spoofed + "\r\n", make_route(true), nullptr, context());
    for (const auto& name : names) {
      BOOST_TEST_CONTEXT(name) {
        BOOST_TEST(values(head, name).empty());
      }
    }
  }
  {
    const auto head = forwarded(raw, make_route(true), nullptr, context(nullptr, true));
    BOOST_TEST(join(values(head, "X-Forwarded-Proto")) == "[https]");
  }
  {
    // HTTP/1.0 without Host: no X-Forwarded-Host at all, and not the client's.
    const auto head = forwarded("GET / HTTP/1.0\r\nX-Forwarded-Host: evil.example\r\n\r\n",
                                make_route(true), nullptr, context());
    BOOST_TEST(values(head, "X-Forwarded-Host").empty());
    BOOST_TEST(join(values(head, "X-Forwarded-For")) == "[192.0.2.10]");
  }
}

BOOST_AUTO_TEST_CASE(via_is_appended) {
  // RFC 9110 §7.6.3: each proxy appends itself; the chain detects loops.
  const struct {
    std::string_view name;
    std::string raw;
    std::string_view expected;
  } cases[] = {
      {"no Via", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "[1.1 latchkey]"},
      {"one Via", "GET / HTTP/1.1\r\nHost: h\r\nVia: 1.0 squid\r\n\r\n",
       "[1.0 squid, 1.1 latchkey]"},
      {"HTTP/1.0 client", "GET / HTTP/1.0\r\nHost: h\r\n\r\n", "[1.0 latchkey]"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      BOOST_TEST(join(values(forwarded(c.raw, make_route(true), nullptr, context()), "Via")) ==
                 c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(via_keeps_every_earlier_hop) {
  // Two Via fields are one list (RFC 9110 §5.3); dropping the second loses a hop.
  const auto head = forwarded("GET / HTTP/1.1\r\nHost: h\r\nVia: 1.0 squid\r\nVia: 1.1 cdn\r\n\r\n",
                              make_route(true), nullptr, context());
  std::string chain;
  for (const auto& v : values(head, "Via")) chain += (chain.empty() ? "" : ", ") + v;
  BOOST_TEST(chain == "1.0 squid, 1.1 cdn, 1.1 latchkey");
}

BOOST_AUTO_TEST_CASE(host_becomes_the_upstream_authority) {
  const struct {
    std::string_view scheme;
    std::string_view host;
    std::uint16_t port;
    std::string_view expected;
  } cases[] = {
      {"http", "backend", 80, "backend"},  // default ports are left out
      {"https", "backend", 443, "backend"},
      {"http", "backend", 8080, "backend:8080"},
      {"https", "backend", 8443, "backend:8443"},
      {"http", "backend", 443, "backend:443"},  // 443 is only default for https
      {"https", "backend", 80, "backend:80"},
      {"http", "10.0.0.5", 80, "10.0.0.5"},
      {"http", "::1", 9000, "[::1]:9000"},  // IPv6 literals are bracketed (RFC 3986 §3.2.2)
      {"https", "2001:db8::5", 443, "[2001:db8::5]"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.scheme << "://" << c.host << ":" << c.port) {
      Route route = make_route(true);
      route.upstream.scheme = c.scheme;
      route.upstream.host = c.host;
      route.upstream.port = c.port;
      const auto head =
          forwarded("GET / HTTP/1.1\r\nHost: public.example\r\n\r\n", route, nullptr, context());
      BOOST_TEST(join(values(head, "Host")) == "[" + std::string(c.expected) + "]");
    }
  }
}

BOOST_AUTO_TEST_CASE(base_path_prefixes_the_target) {
  const struct {
    std::string_view base_path;
    std::string_view target;
    std::string_view expected;
  } cases[] = {
      {"", "/issues?page=2", "/issues?page=2"},
      {"", "/", "/"},
      {"/tracker", "/issues?page=2", "/tracker/issues?page=2"},
      {"/tracker", "/", "/tracker/"},
      {"/a/b", "/c", "/a/b/c"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("base " << c.base_path << " + " << c.target) {
      Route route = make_route(true);
      route.upstream.base_path = c.base_path;
      const auto head = forwarded("GET " + std::string(c.target) + " HTTP/1.1\r\nHost: h\r\n\r\n",
                                  route, nullptr, context());
      BOOST_TEST(head.target() == c.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(expect_is_answered_here_and_not_forwarded) {
  // latchkey sends 100 Continue itself after authentication; the upstream must not too.
  const auto head =
      forwarded("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
                make_route(true), nullptr, context());
  BOOST_TEST(values(head, "Expect").empty());
  BOOST_TEST(join(values(head, "Content-Length")) == "[3]");
  BOOST_TEST(head.method() == http::verb::put);
}

BOOST_AUTO_TEST_CASE(upstream_request_is_http11) {
  const auto head =
      forwarded("GET / HTTP/1.0\r\nHost: h\r\n\r\n", make_route(true), nullptr, context());
  BOOST_TEST(head.version() == 11u);
}

BOOST_AUTO_TEST_CASE(client_response_loses_hop_by_hop_headers_only) {
  auto head = parse_response(
      "HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Internal\r\nKeep-Alive: timeout=5\r\n"
      "Proxy-Authenticate: Basic realm=\"upstream\"\r\nUpgrade: h2c\r\nX-Internal: 1\r\n"
      "Content-Length: 5\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: text/plain\r\n"
      "WWW-Authenticate: Bearer\r\n\r\n");
  rewrite_client_response(head);
  for (const char* gone :
       {"Connection", "Keep-Alive", "Proxy-Authenticate", "Upgrade", "X-Internal"}) {
    BOOST_TEST_CONTEXT(gone) {
      BOOST_TEST(values(head, gone).empty());
    }
  }
  BOOST_TEST(join(values(head, "Content-Length")) == "[5]");
  BOOST_TEST(join(values(head, "Set-Cookie")) == "[a=1|b=2]");
  BOOST_TEST(join(values(head, "Content-Type")) == "[text/plain]");
  BOOST_TEST(join(values(head, "WWW-Authenticate")) == "[Bearer]");
  BOOST_TEST(head.result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(client_response_keeps_framing_named_in_connection) {
  // An upstream naming its framing in Connection must not desynchronise the client.
  {
    auto head = parse_response(
        "HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n\r\n");
    rewrite_client_response(head);
    BOOST_TEST(join(values(head, "Transfer-Encoding")) == "[chunked]");
  }
  {
    auto head = parse_response(
        "HTTP/1.1 200 OK\r\nConnection: content-length, close\r\nContent-Length: 7\r\n\r\n");
    rewrite_client_response(head);
    BOOST_TEST(join(values(head, "Content-Length")) == "[7]");
    BOOST_TEST(values(head, "Connection").empty());
  }
}

BOOST_AUTO_TEST_CASE(stripped_cookies_leave_every_cookie_field) {
  // DESIGN §5.2: a stolen upstream session cookie would outrank the verified identity.
  Route route = make_route(true, "X-Forwarded-User");
  route.strip_cookies = {"JSESSIONID", "csrf"};
  const Identity id = alice();
  const auto head = forwarded(
      "GET / HTTP/1.1\r\nHost: h\r\nCookie: theme=dark\r\nAccept: */*\r\n"
      "Cookie: a=1; JSESSIONID=stolen; b=2\r\nCookie: latchkey_session=s; jsessionid=t\r\n"
      "Cookie: c=3;csrf=x\r\n\r\n",
      route, &id, context());
  // Untouched fields stay, the emptied one goes, the order of what is left is the client's.
  BOOST_TEST(join(values(head, "Cookie")) == "[theme=dark|a=1; b=2|c=3]");
  BOOST_TEST(join(values(head, "Accept")) == "[*/*]");
}

BOOST_AUTO_TEST_CASE(own_session_cookie_is_stripped_also_where_nothing_is_configured) {
  for (const bool auth_required : {true, false}) {
    BOOST_TEST_CONTEXT("auth required: " << auth_required) {
      const auto head = forwarded(
          "GET / HTTP/1.1\r\nHost: h\r\nCookie: JSESSIONID=1; latchkey_session=s\r\n"
          "Cookie: latchkey_session=t\r\n\r\n",
          make_route(auth_required), nullptr, context());
      BOOST_TEST(join(values(head, "Cookie")) == "[JSESSIONID=1]");
    }
  }
}

BOOST_AUTO_TEST_CASE(public_routes_strip_their_cookies_too) {
  Route route = make_route(false);
  route.strip_cookies = {"PHPSESSID"};
  const auto head = forwarded("GET / HTTP/1.1\r\nHost: h\r\nCookie: PHPSESSID=stolen\r\n\r\n",
                              route, nullptr, context());
  BOOST_TEST(values(head, "Cookie").empty());
}

BOOST_AUTO_TEST_CASE(cookie_fields_without_a_stripped_cookie_pass_byte_for_byte) {
  Route route = make_route(true);
  route.strip_cookies = {"JSESSIONID"};
  const auto head =
      forwarded("GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1;b=2 ;;\r\nCookie: c=\"3\"\r\n\r\n", route,
                nullptr, context());
  BOOST_TEST(join(values(head, "Cookie")) == "[a=1;b=2 ;;|c=\"3\"]");
}

BOOST_AUTO_TEST_SUITE_END()
