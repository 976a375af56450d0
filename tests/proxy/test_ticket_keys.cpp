// Session ticket keys: the rotation rules on a clock the test sets, and resumption between an
// OpenSSL client and latchkey's listener contexts over memory BIOs (no socket).
#define BOOST_TEST_DYN_LINK
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "proxy/ticket_keys.hpp"
#include "proxy/tls_context.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/test_certificates.hpp"

using namespace latchkey;
using std::chrono::hours;
using std::chrono::minutes;

namespace {

using Clock = std::chrono::steady_clock;
const Clock::time_point t0{};

// Keys named 1, 2, 3… in the order they are made.
struct CountingKeys {
  int made = 0;
  proxy::TicketKey operator()(Clock::time_point now) {
    proxy::TicketKey key;
    key.name[0] = static_cast<unsigned char>(++made);
    key.created = now;
    return key;
  }
};

std::array<unsigned char, 16> name(int n) {
  std::array<unsigned char, 16> bytes{};
  bytes[0] = static_cast<unsigned char>(n);
  return bytes;
}

struct Pki {
  test::TempDir dir;
  test::TestCertificateAuthority ca{dir.path(), "tickets"};
  test::IssuedCertificate server = ca.issue("server", "localhost", "DNS:localhost");
};

Pki& pki() {
  static Pki instance;
  return instance;
}

std::shared_ptr<proxy::TlsContext> listener_context() {
  return proxy::make_server_tls_context(
      config::TlsFiles{pki().server.cert_file, pki().server.key_file});
}

using Ssl = std::unique_ptr<SSL, decltype(&SSL_free)>;
using SslCtx = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using Session = std::unique_ptr<SSL_SESSION, decltype(&SSL_SESSION_free)>;

// One connection over a BIO pair: the handshake, then one byte from the server, which makes
// the client read the TLS 1.3 tickets sent before it. Returns the client's session and
// whether the server resumed the one offered.
struct Connection {
  Session session{nullptr, SSL_SESSION_free};
  bool resumed = false;
};

Connection connect(SSL_CTX* client_context, proxy::TlsContext& server_context, int version,
                   SSL_SESSION* offered) {
  Ssl client(SSL_new(client_context), SSL_free);
  Ssl server(SSL_new(server_context.native_handle()), SSL_free);
  SSL_set_min_proto_version(client.get(), version);
  SSL_set_max_proto_version(client.get(), version);
  if (offered != nullptr) SSL_set_session(client.get(), offered);
  BIO* client_end = nullptr;
  BIO* server_end = nullptr;
  BOOST_TEST_REQUIRE(BIO_new_bio_pair(&client_end, 0, &server_end, 0) == 1);
  SSL_set_bio(client.get(), client_end, client_end);
  SSL_set_bio(server.get(), server_end, server_end);
  SSL_set_connect_state(client.get());
  SSL_set_accept_state(server.get());
  auto stuck = [](SSL* ssl, int result) {
    const int error = SSL_get_error(ssl, result);
    return error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
  };
  bool client_done = false;
  bool server_done = false;
  for (int turn = 0; turn < 20 && !(client_done && server_done); ++turn) {
    if (!client_done) {
      const int r = SSL_do_handshake(client.get());
      client_done = r == 1;
      BOOST_TEST_REQUIRE(!(r != 1 && stuck(client.get(), r)));
    }
    if (!server_done) {
      const int r = SSL_do_handshake(server.get());
      server_done = r == 1;
      BOOST_TEST_REQUIRE(!(r != 1 && stuck(server.get(), r)));
    }
  }
  BOOST_TEST_REQUIRE((client_done && server_done));
  BOOST_TEST_REQUIRE(SSL_write(server.get(), "x", 1) == 1);
  char byte = 0;
  BOOST_TEST_REQUIRE(SSL_read(client.get(), &byte, 1) == 1);
  Connection result;
  result.resumed = SSL_session_reused(server.get()) == 1;
  result.session.reset(SSL_get1_session(client.get()));
  // Closed cleanly as far as OpenSSL knows: freeing an SSL mid-connection spoils its session.
  SSL_set_shutdown(client.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_set_shutdown(server.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  return result;
}

SslCtx client_context() {
  SslCtx context(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);  // resumption is the point here
  return context;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ticket_keys)

BOOST_AUTO_TEST_CASE(a_key_seals_for_the_rotation_period_then_a_new_one_does) {
  CountingKeys made;
  proxy::TicketKeyRing ring(hours(1), hours(2), std::ref(made));
  BOOST_TEST(ring.for_sealing(t0).name == name(1));
  BOOST_TEST(ring.for_sealing(t0 + minutes(59)).name == name(1));
  BOOST_TEST(ring.for_sealing(t0 + hours(1)).name == name(2));
  BOOST_TEST(ring.for_sealing(t0 + hours(1) + minutes(30)).name == name(2));
  BOOST_TEST(made.made == 2);
}

BOOST_AUTO_TEST_CASE(an_old_key_opens_its_tickets_until_they_expire_then_is_dropped) {
  CountingKeys made;
  proxy::TicketKeyRing ring(hours(1), hours(2), std::ref(made));
  ring.for_sealing(t0);
  ring.for_sealing(t0 + hours(1));  // key 2 seals from here on
  const auto current = ring.for_opening(name(2).data(), t0 + hours(1) + minutes(30));
  BOOST_TEST_REQUIRE(current.has_value());
  BOOST_TEST(!current->renew);
  // Key 1's last ticket was sealed just before t0 + 1 h and is valid for 2 h more.
  const auto late = ring.for_opening(name(1).data(), t0 + hours(3) - minutes(1));
  BOOST_TEST_REQUIRE(late.has_value());
  BOOST_TEST(late->renew);  // its holder gets a ticket under key 2
  BOOST_TEST(ring.size() == 2u);
  BOOST_TEST(!ring.for_opening(name(1).data(), t0 + hours(3)).has_value());
  BOOST_TEST(ring.size() == 1u);  // wiped and gone
  BOOST_TEST(ring.for_opening(name(2).data(), t0 + hours(3)).has_value());
}

BOOST_AUTO_TEST_CASE(the_current_key_asks_for_renewal_once_it_is_due_to_rotate) {
  CountingKeys made;
  proxy::TicketKeyRing ring(hours(1), hours(2), std::ref(made));
  ring.for_sealing(t0);
  const auto due = ring.for_opening(name(1).data(), t0 + hours(1));
  BOOST_TEST_REQUIRE(due.has_value());
  BOOST_TEST(due->renew);
}

BOOST_AUTO_TEST_CASE(a_ticket_naming_no_key_opens_nothing) {
  CountingKeys made;
  proxy::TicketKeyRing ring(hours(1), hours(2), std::ref(made));
  ring.for_sealing(t0);
  BOOST_TEST(!ring.for_opening(name(7).data(), t0).has_value());
  BOOST_TEST(!proxy::TicketKeyRing(hours(1), hours(2), std::ref(made))
                  .for_opening(name(1).data(), t0)
                  .has_value());
}

BOOST_AUTO_TEST_CASE(random_keys_differ_and_are_not_all_zero) {
  const auto a = proxy::random_ticket_key(t0);
  const auto b = proxy::random_ticket_key(t0);
  BOOST_TEST((a.name != b.name));
  BOOST_TEST((a.cipher_key != b.cipher_key));
  BOOST_TEST((a.mac_key != b.mac_key));
  BOOST_TEST((a.cipher_key != std::array<unsigned char, 32>{}));
}

BOOST_AUTO_TEST_CASE(sessions_resume_on_a_listener_over_tls_1_2_and_1_3) {
  const SslCtx client = client_context();
  const auto listener = listener_context();
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    BOOST_TEST_CONTEXT("version " << std::hex << version) {
      const Connection first = connect(client.get(), *listener, version, nullptr);
      BOOST_TEST(!first.resumed);
      BOOST_TEST_REQUIRE(SSL_SESSION_is_resumable(first.session.get()) == 1);
      const Connection second = connect(client.get(), *listener, version, first.session.get());
      BOOST_TEST(second.resumed);
      BOOST_TEST(SSL_SESSION_get_timeout(first.session.get()) ==
                 std::chrono::seconds(proxy::kTicketLifetime).count());
    }
  }
}

BOOST_AUTO_TEST_CASE(tickets_survive_a_reload_of_the_listener_context) {
  // A reload (SIGHUP) builds a new context; with OpenSSL's own per-context key every client
  // would then fall back to a full handshake.
  const SslCtx client = client_context();
  const auto before = listener_context();
  const auto after = listener_context();
  for (const int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    BOOST_TEST_CONTEXT("version " << std::hex << version) {
      const Connection first = connect(client.get(), *before, version, nullptr);
      const Connection second = connect(client.get(), *after, version, first.session.get());
      BOOST_TEST(second.resumed);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
