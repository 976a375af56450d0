// TLS keys of the config with real files: certificates and keys made by the openssl command
// line at test time (tests/support/test_certificates.hpp), checked at load with the key's line.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "tests/config/config_test_support.hpp"
#include "tests/config/temp_dir.hpp"
#include "tests/support/background_process.hpp"
#include "tests/support/test_certificates.hpp"

using namespace latchkey::config::test;
using latchkey::test::IssuedCertificate;
using latchkey::test::TestCertificateAuthority;

namespace {

// A CA, a server certificate and a client certificate, made once for the suite.
struct Pki {
  TempDir dir;
  TestCertificateAuthority ca{dir.path().string(), "config"};
  IssuedCertificate server = ca.issue("server", "localhost", "DNS:localhost,IP:127.0.0.1");
  IssuedCertificate other = ca.issue("other", "other.example", "DNS:other.example");
  IssuedCertificate client = ca.issue("client", "latchkey-client", "", true);
};

Pki& pki() {
  static Pki instance;
  return instance;
}

// Lines 2-4 after a one-line listen section.
std::string with_listen(const std::string& listen) {
  return listen +
         "database: {url: \"postgres://db/latchkey\"}\n"
         "secrets: {pepper: \"${PEPPER}\", totp_key: \"${TOTP_KEY}\"}\n" +
         kRoutes;
}

std::string tls_listener(const std::string& cert, const std::string& key) {
  return with_listen("listen: [{address: \"127.0.0.1:8443\", tls: {cert_file: \"" + cert +
                     "\", key_file: \"" + key + "\"}}]\n");
}

// routes[0].upstream keys from line 7, indented six spaces.
std::string upstream_with(const std::string& lines) {
  return kHead + "routes:\n  - name: app\n    upstream:\n" + lines;
}

std::string in_quotes(const std::string& path) {
  return "\"" + path + "\"";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tls_config, FakeEnvFixture)

BOOST_AUTO_TEST_CASE(a_tls_listener_with_a_matching_certificate_and_key_loads) {
  const auto config = parse(tls_listener(pki().server.cert_file, pki().server.key_file));
  BOOST_TEST_REQUIRE(config.listen.at(0).tls.has_value());
  BOOST_TEST(config.listen[0].tls->cert_file == pki().server.cert_file);
  BOOST_TEST(config.listen[0].tls->key_file == pki().server.key_file);
}

BOOST_AUTO_TEST_CASE(relative_tls_paths_are_taken_from_the_config_directory) {
  const auto& dir = pki().dir.path().string();
  const auto config = latchkey::config::parse_config(tls_listener("server.crt", "server.key"),
                                                     "test.yaml", dir, &lookup_fake_env);
  BOOST_TEST(config.listen.at(0).tls->cert_file == dir + "/server.crt");
  BOOST_TEST(config.listen.at(0).tls->key_file == dir + "/server.key");
}

BOOST_AUTO_TEST_CASE(a_certificate_file_with_its_chain_is_accepted) {
  const std::string chain =
      pki().dir.write("chain.crt", latchkey::test::read_file(pki().server.cert_file) +
                                       latchkey::test::read_file(pki().ca.ca_file()));
  BOOST_CHECK_NO_THROW(parse(tls_listener(chain, pki().server.key_file)));
}

BOOST_AUTO_TEST_CASE(plain_and_tls_listeners_side_by_side) {
  const auto config = parse(with_listen(
      "listen: [{address: \"127.0.0.1:8080\"}, {address: \"127.0.0.1:8443\", tls: {cert_file: \"" +
      pki().server.cert_file + "\", key_file: \"" + pki().server.key_file + "\"}}]\n"));
  BOOST_TEST(!config.listen.at(0).tls.has_value());
  BOOST_TEST(config.listen.at(1).tls.has_value());
}

BOOST_AUTO_TEST_CASE(broken_tls_files_are_refused_with_the_key_and_line) {
  const std::string not_pem = pki().dir.write("not-pem.crt", "hello\n");
  std::string damaged = latchkey::test::read_file(pki().server.cert_file);
  damaged.replace(damaged.find("-----END") - 30, 20, "!!!!!!!!!!!!!!!!!!!!");
  const std::string damaged_file = pki().dir.write("damaged.crt", damaged);
  const std::string directory = pki().dir.path().string();
  const auto& server = pki().server;
  const auto& other = pki().other;
  const struct {
    std::string name;
    std::string yaml;
    std::vector<std::string> expected;
  } cases[] = {
      {"certificate file that is not PEM",
       tls_listener(not_pem, server.key_file),
       {"listen[0].tls.cert_file: " + in_quotes(not_pem) + " holds no PEM certificate (line 1)"}},
      {"damaged certificate",
       tls_listener(damaged_file, server.key_file),
       {"listen[0].tls.cert_file: " + in_quotes(damaged_file) +
        " has a certificate that does not parse (certificate 1) (line 1)"}},
      {"certificate path is a directory",
       tls_listener(directory, server.key_file),
       {"listen[0].tls.cert_file: cannot read " + in_quotes(directory) +
        ": Is a directory (line 1)"}},
      {"key file holds a certificate",
       tls_listener(server.cert_file, server.cert_file),
       {"listen[0].tls.key_file: " + in_quotes(server.cert_file) +
        " holds no unencrypted PEM private key (line 1)"}},
      {"key of another certificate",
       tls_listener(server.cert_file, other.key_file),
       {"listen[0].tls.key_file: " + in_quotes(other.key_file) +
        " is not the private key of the certificate in " + in_quotes(server.cert_file) +
        " (line 1)"}},
      {"ca_file that is not PEM",
       upstream_with("      url: https://backend\n      ca_file: " + in_quotes(not_pem) + "\n"),
       {"routes[0].upstream.ca_file: " + in_quotes(not_pem) +
        " holds no PEM certificate (line 8)"}},
      {"client key of another certificate",
       upstream_with("      url: https://backend\n      client_cert_file: " +
                     in_quotes(pki().client.cert_file) +
                     "\n      client_key_file: " + in_quotes(other.key_file) + "\n"),
       {"routes[0].upstream.client_key_file: " + in_quotes(other.key_file) +
        " is not the private key of the certificate in " + in_quotes(pki().client.cert_file) +
        " (line 9)"}},
      {"skip verify with a ca_file",
       upstream_with("      url: https://backend\n      ca_file: " + in_quotes(pki().ca.ca_file()) +
                     "\n      tls_insecure_skip_verify: true\n"),
       {"routes[0].upstream.tls_insecure_skip_verify: conflicts with routes[0].upstream.ca_file; "
        "a CA file is pointless when certificates are not verified (line 9)"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name << "\n" << c.yaml) {
      BOOST_TEST(problems_of(c.yaml) == c.expected, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(an_https_upstream_keeps_its_ca_and_client_certificate) {
  const auto config =
      parse(upstream_with("      url: https://backend.internal:8443/app\n      ca_file: " +
                          in_quotes(pki().ca.ca_file()) +
                          "\n      client_cert_file: " + in_quotes(pki().client.cert_file) +
                          "\n      client_key_file: " + in_quotes(pki().client.key_file) + "\n"));
  const auto& upstream = config.routes.at(0).upstream;
  BOOST_TEST(upstream.scheme == "https");
  BOOST_TEST(upstream.port == 8443);
  BOOST_TEST(upstream.ca_file.value_or("") == pki().ca.ca_file());
  BOOST_TEST(upstream.client_cert_file.value_or("") == pki().client.cert_file);
  BOOST_TEST(upstream.client_key_file.value_or("") == pki().client.key_file);
  BOOST_TEST(!upstream.tls_insecure_skip_verify);
}

BOOST_AUTO_TEST_CASE(skipping_verification_is_an_explicit_opt_in) {
  const auto defaults = parse(upstream_with("      url: https://backend\n"));
  BOOST_TEST(!defaults.routes.at(0).upstream.tls_insecure_skip_verify);
  BOOST_TEST(!defaults.routes.at(0).upstream.ca_file.has_value());
  const auto opted_in =
      parse(upstream_with("      url: https://backend\n      tls_insecure_skip_verify: true\n"));
  BOOST_TEST(opted_in.routes.at(0).upstream.tls_insecure_skip_verify);
}

BOOST_AUTO_TEST_SUITE_END()
