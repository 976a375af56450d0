#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "auth/scopes.hpp"
#include "auth/token.hpp"

using namespace latchkey::auth;

BOOST_AUTO_TEST_SUITE(token_format)

BOOST_AUTO_TEST_CASE(crc32_matches_the_ieee_check_value) {
  BOOST_TEST(crc32("123456789") == 0xCBF43926U);  // the standard check value of CRC-32
  BOOST_TEST(crc32("") == 0U);
}

BOOST_AUTO_TEST_CASE(generated_tokens_have_their_prefix_length_and_parse_back) {
  for (TokenKind kind : {TokenKind::permanent, TokenKind::access, TokenKind::refresh}) {
    const std::string token = generate_token(kind);
    BOOST_TEST(token.size() == kTokenLength);
    BOOST_TEST(token.substr(0, 4) == std::string(token_prefix(kind)));
    BOOST_TEST((parse_token(token) == kind));
    BOOST_TEST(looks_like_token(token));
  }
  BOOST_TEST(token_prefix(TokenKind::permanent) == "lkp_");
  BOOST_TEST(token_prefix(TokenKind::access) == "lka_");
  BOOST_TEST(token_prefix(TokenKind::refresh) == "lkr_");
}

BOOST_AUTO_TEST_CASE(tokens_are_distinct_and_use_every_base62_symbol) {
  std::set<std::string> seen;
  std::set<char> symbols;
  for (int i = 0; i < 300; ++i) {
    const std::string token = generate_token(TokenKind::permanent);
    seen.insert(token);
    for (char c : token.substr(4, kTokenRandomSymbols)) symbols.insert(c);
  }
  BOOST_TEST(seen.size() == 300u);
  BOOST_TEST(symbols.size() == 62u);  // 8100 draws: every symbol appears
}

BOOST_AUTO_TEST_CASE(every_single_symbol_change_fails_the_check_suffix) {
  const std::string token = generate_token(TokenKind::access);
  int caught = 0;
  int tried = 0;
  for (std::size_t i = 4; i < token.size(); ++i) {
    std::string typo = token;
    typo[i] = token[i] == 'x' ? 'y' : 'x';
    ++tried;
    if (!parse_token(typo)) ++caught;
  }
  BOOST_TEST(caught == tried);
}

BOOST_AUTO_TEST_CASE(truncated_extended_foreign_and_swapped_prefix_tokens_are_refused) {
  const std::string token = generate_token(TokenKind::permanent);
  BOOST_TEST(!parse_token(token.substr(0, token.size() - 1)));
  BOOST_TEST(!parse_token(token + "a"));
  BOOST_TEST(!parse_token(" " + token.substr(1)));
  std::string other_kind = token;
  other_kind[2] = 'a';  // lka_ with lkp_'s check suffix: the prefix is covered by the CRC
  BOOST_TEST(!parse_token(other_kind));
  std::string bad_symbol = token;
  bad_symbol[10] = '-';
  BOOST_TEST(!parse_token(bad_symbol));
  BOOST_TEST(!parse_token("ghp_0123456789012345678901234567890123"));
  BOOST_TEST(!parse_token(""));
  BOOST_TEST(!looks_like_token("abcd-efgh-jkmn-pqrs"));
}

BOOST_AUTO_TEST_CASE(kinds_have_distinct_digest_labels_and_names_round_trip) {
  std::set<std::string_view> labels;
  for (TokenKind kind : {TokenKind::permanent, TokenKind::access, TokenKind::refresh}) {
    labels.insert(token_digest_label(kind));
    BOOST_TEST((token_kind_from_string(to_string(kind)) == kind));
  }
  BOOST_TEST(labels.size() == 3u);
  BOOST_TEST(!labels.contains("app_password"));
  BOOST_TEST(!token_kind_from_string("bearer"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scopes)

BOOST_AUTO_TEST_CASE(scope_lists_parse_sorted_without_duplicates) {
  const auto scopes = parse_scope_list("tracker:write  tracker:read tracker:write");
  BOOST_TEST_REQUIRE(scopes.has_value());
  BOOST_TEST(join_scopes(*scopes) == "tracker:read tracker:write");
}

BOOST_AUTO_TEST_CASE(malformed_scope_lists_are_refused) {
  BOOST_TEST(!parse_scope_list(""));
  BOOST_TEST(!parse_scope_list("   "));
  BOOST_TEST(!parse_scope_list("a\"b"));  // %x22 is not a scope character
  BOOST_TEST(!parse_scope_list("a\\b"));  // nor %x5C
  BOOST_TEST(!parse_scope_list("a\tb"));
  BOOST_TEST(!parse_scope_list(std::string(101, 'a')));
  BOOST_TEST(is_scope_token("!#[]~"));
}

BOOST_AUTO_TEST_CASE(coverage_and_narrowing) {
  const Scopes all = std::nullopt;
  const Scopes read = std::vector<std::string>{"tracker:read"};
  BOOST_TEST(scopes_cover(all, {"anything"}));
  BOOST_TEST(scopes_cover(read, {"tracker:read"}));
  BOOST_TEST(!scopes_cover(read, {"tracker:write"}));
  BOOST_TEST(scopes_cover(read, {}));
  bool ok = false;
  BOOST_TEST(!narrow_scopes(all, std::nullopt, ok).has_value());  // all stays all
  BOOST_TEST(ok);
  BOOST_TEST((narrow_scopes(all, read, ok) == read));
  BOOST_TEST(ok);
  narrow_scopes(read, std::vector<std::string>{"tracker:write"}, ok);
  BOOST_TEST(!ok);
  BOOST_TEST((narrow_scopes(read, std::nullopt, ok) == read));
}

BOOST_AUTO_TEST_SUITE_END()
