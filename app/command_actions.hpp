// The action words of the command groups (`latchkey token new|list|revoke`): the word is
// taken and checked, `--help` prints the group's or the action's usage, and the action runs
// with its options parsed.
#pragma once

#include <string_view>
#include <vector>

#include "app/cli_arguments.hpp"
#include "app/commands.hpp"

namespace latchkey::app {

struct Action {
  std::string_view name;   // "new"
  std::string_view usage;  // printed for `ACTION --help`
  std::vector<OptionSpec> options;
  int (*run)(Invocation& invocation, const CliArguments& arguments);
};

// Runs the action named by the first argument; prints `group_usage` for `--help` in its place.
// Throws UsageError for a missing or unknown action word, naming the choices.
int run_action(Invocation& invocation, std::string_view group_usage,
               const std::vector<Action>& actions);

}  // namespace latchkey::app
