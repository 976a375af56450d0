// The TLS contexts latchkey builds, inspected through OpenSSL without any socket: protocol
// floor, ciphers, verification, SNI and name checks, and the reload rules of the listener store.
#define BOOST_TEST_DYN_LINK
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "proxy/tls_context.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/test_certificates.hpp"

using namespace latchkey;

namespace {

struct Pki {
  test::TempDir dir;
  test::TestCertificateAuthority ca{dir.path(), "proxy"};
  test::IssuedCertificate server = ca.issue("server", "localhost", "DNS:localhost,IP:127.0.0.1");
  test::IssuedCertificate client = ca.issue("client", "latchkey-client", "", true);
};

Pki& pki() {
  static Pki instance;
  return instance;
}

config::Listener tls_listener(const std::string& cert, const std::string& key) {
  return config::Listener{{"127.0.0.1", 8443}, config::TlsFiles{cert, key}};
}

config::Upstream https_upstream(const std::string& host) {
  config::Upstream upstream;
  upstream.scheme = "https";
  upstream.host = host;
  upstream.port = 443;
  upstream.ca_file = pki().ca.ca_file();
  return upstream;
}

using Ssl = std::unique_ptr<SSL, decltype(&SSL_free)>;

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_context)

BOOST_AUTO_TEST_CASE(listener_contexts_allow_tls_1_2_and_up_with_ecdhe_and_aead_only) {
  const auto context = proxy::make_server_tls_context(
      config::TlsFiles{pki().server.cert_file, pki().server.key_file});
  SSL_CTX* native = context->native_handle();
  BOOST_TEST(SSL_CTX_get_min_proto_version(native) == TLS1_2_VERSION);
  const STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(native);
  BOOST_TEST_REQUIRE(sk_SSL_CIPHER_num(ciphers) > 0);
  int tls12 = 0;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    BOOST_TEST_CONTEXT(SSL_CIPHER_get_name(cipher)) {
      BOOST_TEST(SSL_CIPHER_is_aead(cipher) == 1);
      if (SSL_CIPHER_get_kx_nid(cipher) != NID_kx_any) {  // TLS 1.3 suites have no kx of their own
        ++tls12;
        BOOST_TEST(SSL_CIPHER_get_kx_nid(cipher) == NID_kx_ecdhe);
      }
    }
  }
  BOOST_TEST(tls12 > 0);
}

BOOST_AUTO_TEST_CASE(the_listener_store_swaps_contexts_only_when_every_file_loads) {
  const auto plain = config::Listener{{"127.0.0.1", 8080}, std::nullopt};
  proxy::ServerTlsContexts store(
      {plain, tls_listener(pki().server.cert_file, pki().server.key_file)});
  BOOST_TEST(!store.current(0));
  const auto first = store.current(1);
  BOOST_TEST_REQUIRE(first);

  BOOST_TEST(store.reload().empty());
  const auto second = store.current(1);
  BOOST_TEST(second != first);  // a new context for new connections; `first` lives on

  const std::string broken = pki().dir.file("broken.crt");
  test::write_file(broken, "-----BEGIN CERTIFICATE-----\nbroken\n");
  const auto problems = store.reload({plain, tls_listener(broken, pki().server.key_file)});
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].rfind("listen[1].tls: \"" + broken + "\"", 0) == 0);
  BOOST_TEST(store.current(1) == second);

  BOOST_TEST(store.reload({plain}).size() == 1u);  // a listener cannot vanish without a restart
  BOOST_TEST(store.current(1) == second);

  // A reloaded config may turn TLS on for a listener that had none.
  const auto tls = tls_listener(pki().server.cert_file, pki().server.key_file);
  BOOST_TEST(store.reload({tls, tls}).empty());
  BOOST_TEST(store.current(0));
}

BOOST_AUTO_TEST_CASE(a_listener_key_that_does_not_match_is_refused) {
  BOOST_CHECK_THROW(proxy::make_server_tls_context(
                        config::TlsFiles{pki().server.cert_file, pki().client.key_file}),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(upstream_contexts_verify_unless_explicitly_told_not_to) {
  auto upstream = https_upstream("backend.internal");
  const auto verifying = proxy::make_upstream_tls_context(upstream);
  BOOST_TEST(SSL_CTX_get_verify_mode(verifying->native_handle()) == SSL_VERIFY_PEER);
  BOOST_TEST(SSL_CTX_get_min_proto_version(verifying->native_handle()) == TLS1_2_VERSION);

  upstream.ca_file.reset();  // the system store
  const auto system_store = proxy::make_upstream_tls_context(upstream);
  BOOST_TEST(SSL_CTX_get_verify_mode(system_store->native_handle()) == SSL_VERIFY_PEER);

  upstream.tls_insecure_skip_verify = true;
  const auto skipping = proxy::make_upstream_tls_context(upstream);
  BOOST_TEST(SSL_CTX_get_verify_mode(skipping->native_handle()) == SSL_VERIFY_NONE);
}

BOOST_AUTO_TEST_CASE(upstream_client_certificates_are_loaded) {
  auto upstream = https_upstream("backend.internal");
  upstream.client_cert_file = pki().client.cert_file;
  upstream.client_key_file = pki().client.key_file;
  const auto context = proxy::make_upstream_tls_context(upstream);
  X509* certificate = SSL_CTX_get0_certificate(context->native_handle());
  BOOST_TEST_REQUIRE(certificate != nullptr);
  char name[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
  BOOST_TEST(std::string(name) == "latchkey-client");
}

BOOST_AUTO_TEST_CASE(upstream_connections_send_sni_for_names_and_check_the_name_or_address) {
  const auto by_name = https_upstream("backend.internal");
  const auto context = proxy::make_upstream_tls_context(by_name);
  Ssl named(SSL_new(context->native_handle()), &SSL_free);
  BOOST_TEST_REQUIRE(proxy::prepare_upstream_tls(named.get(), by_name));
  BOOST_TEST(std::string(SSL_get_servername(named.get(), TLSEXT_NAMETYPE_host_name)) ==
             "backend.internal");
  const char* expected_host = X509_VERIFY_PARAM_get0_host(SSL_get0_param(named.get()), 0);
  BOOST_TEST(std::string(expected_host ? expected_host : "") == "backend.internal");
  const auto by_address = https_upstream("127.0.0.1");
  Ssl addressed(SSL_new(context->native_handle()), &SSL_free);
  BOOST_TEST_REQUIRE(proxy::prepare_upstream_tls(addressed.get(), by_address));
  BOOST_TEST(SSL_get_servername(addressed.get(), TLSEXT_NAMETYPE_host_name) == nullptr);
  char* expected_ip = X509_VERIFY_PARAM_get1_ip_asc(SSL_get0_param(addressed.get()));
  BOOST_TEST(std::string(expected_ip ? expected_ip : "") == "127.0.0.1");
  OPENSSL_free(expected_ip);
}

BOOST_AUTO_TEST_SUITE_END()
