#include <boost/test/unit_test.hpp>
#include <cctype>
#include <map>
#include <set>
#include <string>

#include "auth/app_password.hpp"

using namespace latchkey::auth;

namespace {

constexpr std::string_view kAlphabet = "0123456789abcdefghjkmnpqrstvwxyz";

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(app_password)

BOOST_AUTO_TEST_CASE(generated_passwords_are_canonical) {
  for (int i = 0; i < 200; ++i) {
    const std::string p = generate_app_password();
    BOOST_TEST_REQUIRE(p.size() == kAppPasswordSymbols);
    for (char c : p) BOOST_TEST(kAlphabet.find(c) != std::string_view::npos);
    const auto n = normalize_app_password(p);
    BOOST_TEST_REQUIRE(n.has_value(), p);
    BOOST_TEST(*n == p);
  }
}

// Luhn mod 32 worked by hand: the rightmost payload symbol is doubled and the base-32
// digits of the product are summed; the check symbol brings the total to 0 mod 32.
BOOST_AUTO_TEST_CASE(hand_computed_check_symbols) {
  BOOST_TEST(normalize_app_password("0000000000000000").value_or("-") == "0000000000000000");
  BOOST_TEST(normalize_app_password("000000000000001y").value_or("-") == "000000000000001y");
  BOOST_TEST(normalize_app_password("000000000000010z").value_or("-") == "000000000000010z");
  // 'g' = 16, doubled 32 = "10" in base 32, digit sum 1.
  BOOST_TEST(normalize_app_password("00000000000000gz").value_or("-") == "00000000000000gz");
  BOOST_TEST(!normalize_app_password("000000000000001z").has_value());
  BOOST_TEST(!normalize_app_password("0000000000000001").has_value());
}

BOOST_AUTO_TEST_CASE(formatted_and_retyped_forms_normalize) {
  for (int i = 0; i < 50; ++i) {
    const std::string p = generate_app_password();
    const std::string formatted = format_app_password(p);
    BOOST_TEST(formatted.size() == 19u);
    BOOST_TEST(formatted[4] == '-');
    BOOST_TEST(formatted[9] == '-');
    BOOST_TEST(formatted[14] == '-');
    BOOST_TEST(normalize_app_password(formatted).value_or("") == p);
    BOOST_TEST(normalize_app_password(upper(formatted)).value_or("") == p);
    BOOST_TEST(normalize_app_password(upper(p)).value_or("") == p);
    std::string spaced = formatted;
    for (char& c : spaced) {
      if (c == '-') c = ' ';
    }
    BOOST_TEST(normalize_app_password(spaced).value_or("") == p);
    BOOST_TEST(normalize_app_password(" " + spaced + " ").value_or("") == p);
    BOOST_TEST(normalize_app_password(p.substr(0, 7) + "- -" + p.substr(7)).value_or("") == p);
  }
}

BOOST_AUTO_TEST_CASE(look_alikes_map_to_one_and_zero) {
  // Build a valid password containing both '1' and '0' from hand-checked ones.
  const std::string p = "000000000000001y";
  BOOST_TEST(normalize_app_password("OOOOOOOOOOOOOOly").value_or("") == p);
  BOOST_TEST(normalize_app_password("ooooooooooooooiY").value_or("") == p);
  BOOST_TEST(normalize_app_password("0o0O-0000-0000-00LY").value_or("") == p);
  // Random ones: every '1' typed as i/I/l/L and every '0' as o/O still matches.
  int checked = 0;
  while (checked < 20) {
    const std::string g = generate_app_password();
    if (g.find_first_of("01") == std::string::npos) continue;
    std::string typed = g;
    const std::string ones = "iIlL";
    const std::string zeros = "oO";
    for (std::size_t i = 0; i < typed.size(); ++i) {
      if (typed[i] == '1') typed[i] = ones[i % ones.size()];
      if (typed[i] == '0') typed[i] = zeros[i % zeros.size()];
    }
    BOOST_TEST(normalize_app_password(typed).value_or("") == g);
    ++checked;
  }
}

BOOST_AUTO_TEST_CASE(foreign_symbols_and_lengths_are_rejected) {
  const std::string p = generate_app_password();
  BOOST_TEST(!normalize_app_password("").has_value());
  BOOST_TEST(!normalize_app_password("----").has_value());
  BOOST_TEST(!normalize_app_password(p.substr(0, 15)).has_value());
  BOOST_TEST(!normalize_app_password(p + "0").has_value());
  BOOST_TEST(!normalize_app_password(p + p).has_value());
  for (char bad : std::string("uU!_.:/\t\n\x7f\xc3")) {
    std::string typed = p;
    typed[3] = bad;
    BOOST_TEST(!normalize_app_password(typed).has_value(), "symbol " << int(bad));
  }
  // An ordinary account password is not mistaken for an app password.
  BOOST_TEST(!normalize_app_password("correct horse battery staple").has_value());
}

// Luhn mod N detects every single-symbol substitution: exhaustive over positions x alphabet.
BOOST_AUTO_TEST_CASE(every_single_substitution_is_rejected) {
  for (int round = 0; round < 20; ++round) {
    const std::string p = generate_app_password();
    for (std::size_t pos = 0; pos < p.size(); ++pos) {
      for (char c : kAlphabet) {
        if (c == p[pos]) continue;
        std::string typo = p;
        typo[pos] = c;
        BOOST_TEST(!normalize_app_password(typo).has_value(), p << " -> " << typo);
      }
    }
  }
}

// Adjacent transpositions: Luhn mod 32 misses only the pair {0, z} (values 0 and 31), just as
// Luhn mod 10 misses 09 <-> 90.
BOOST_AUTO_TEST_CASE(most_adjacent_transpositions_are_rejected) {
  int transpositions = 0;
  int accepted = 0;
  for (int round = 0; round < 500; ++round) {
    const std::string p = generate_app_password();
    for (std::size_t pos = 0; pos + 1 < p.size(); ++pos) {
      if (p[pos] == p[pos + 1]) continue;
      std::string typo = p;
      std::swap(typo[pos], typo[pos + 1]);
      ++transpositions;
      if (normalize_app_password(typo).has_value()) {
        ++accepted;
        const std::string pair{p[pos], p[pos + 1]};
        BOOST_TEST((pair == "0z" || pair == "z0"), p << " -> " << typo);
      }
    }
  }
  BOOST_TEST(transpositions > 5000);
  BOOST_TEST(accepted * 50 < transpositions, accepted << " of " << transpositions << " accepted");
}

BOOST_AUTO_TEST_CASE(generation_uses_every_symbol_evenly) {
  std::map<char, int> counts;
  std::set<std::string> seen;
  constexpr int kDraws = 2000;
  for (int i = 0; i < kDraws; ++i) {
    const std::string p = generate_app_password();
    seen.insert(p);
    for (std::size_t pos = 0; pos + 1 < p.size(); ++pos) ++counts[p[pos]];
  }
  BOOST_TEST(seen.size() == static_cast<std::size_t>(kDraws));  // 75 bits never repeat
  BOOST_TEST(counts.size() == kAlphabet.size());
  // 30000 random symbols: about 937 each; the bounds are over 6 standard deviations wide.
  for (const auto& [symbol, count] : counts) {
    BOOST_TEST(count > 750, symbol);
    BOOST_TEST(count < 1130, symbol);
  }
}

BOOST_AUTO_TEST_CASE(format_groups_by_four) {
  BOOST_TEST(format_app_password("abcdefghjkmnpqrs") == "abcd-efgh-jkmn-pqrs");
  BOOST_TEST(format_app_password("") == "");
}

BOOST_AUTO_TEST_CASE(digest_label_is_pinned) {
  // db/ and the CLI store exactly KeyedHasher::digest("app_password", canonical).
  BOOST_TEST(kAppPasswordDigestLabel == "app_password");
}

BOOST_AUTO_TEST_SUITE_END()
