#include "app/command_actions.hpp"

#include <algorithm>
#include <ostream>
#include <string>

namespace latchkey::app {

int run_action(Invocation& invocation, std::string_view group_usage,
               const std::vector<Action>& actions) {
  std::vector<std::string_view> names;
  for (const Action& action : actions) names.push_back(action.name);
  const auto name = take_action(invocation.args, names);
  if (!name) {
    invocation.out << group_usage;
    return kExitOk;
  }
  const Action& action = *std::find_if(actions.begin(), actions.end(),
                                       [&](const Action& a) { return a.name == *name; });
  const CliArguments arguments(invocation.args, action.options);
  if (arguments.help()) {
    invocation.out << action.usage;
    return kExitOk;
  }
  return action.run(invocation, arguments);
}

}  // namespace latchkey::app
