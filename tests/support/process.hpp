// Running a program to completion from a test: argv, text on stdin, extra environment,
// captured stdout/stderr and exit status, bounded by a timeout.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace latchkey::test {

struct RunOptions {
  std::string stdin_text;  // written to the child's stdin, which is then closed
  // Changes to the inherited environment: a value sets the variable, nullopt removes it.
  std::map<std::string, std::optional<std::string>> env;
  std::chrono::milliseconds timeout{30'000};  // then the child's process group gets SIGKILL
  std::string working_directory;              // empty: the caller's
};

struct ProcessResult {
  int exit_code = -1;  // exit status; -1 when the child was killed by a signal
  int signal = 0;      // the signal that ended it, 0 when it exited
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH when it has no '/') and waits for it. Throws
// std::runtime_error when it cannot be started. Ignores SIGPIPE in the calling process,
// so that a child that exits without reading its input does not kill the test.
ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options = {});

// "exit 2, stderr: ..." for assertion messages.
std::string describe(const ProcessResult& result);

}  // namespace latchkey::test
