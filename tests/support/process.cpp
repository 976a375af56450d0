#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <utility>

extern char** environ;

namespace latchkey::test {
namespace {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  }
  return {Fd(fds[0]), Fd(fds[1])};
}

std::vector<std::string> child_environment(const RunOptions& options) {
  std::map<std::string, std::string> vars;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::size_t equals = text.find('=');
    if (equals != std::string::npos) vars[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : options.env) {
    if (value) {
      vars[name] = *value;
    } else {
      vars.erase(name);
    }
  }
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_process: empty argv");
  ::signal(SIGPIPE, SIG_IGN);

  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> args = argv;
  std::vector<std::string> env = child_environment(options);
  std::vector<char*> arg_pointers = pointers(args);
  std::vector<char*> env_pointers = pointers(env);
  Pipe in = make_pipe();
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  Pipe exec_error = make_pipe();  // carries errno if exec fails; closed by a successful exec

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // own process group, so a timeout kills its children too
    if (::dup2(in.read.get(), 0) < 0 || ::dup2(out.write.get(), 1) < 0 ||
        ::dup2(err.write.get(), 2) < 0 ||
        (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0)) {
      const int e = errno;
      [[maybe_unused]] auto n = ::write(exec_error.write.get(), &e, sizeof e);
      ::_exit(127);
    }
    ::execvpe(arg_pointers[0], arg_pointers.data(), env_pointers.data());
    const int e = errno;
    [[maybe_unused]] auto n = ::write(exec_error.write.get(), &e, sizeof e);
    ::_exit(127);
  }

  in.read.reset();
  out.write.reset();
  err.write.reset();
  exec_error.write.reset();
  int exec_errno = 0;
  if (::read(exec_error.read.get(), &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  }

  ProcessResult result;
  ::fcntl(in.write.get(), F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (options.stdin_text.empty()) in.write.reset();
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;

  while (out.read.get() >= 0 || err.read.get() >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd fds[3] = {
        {out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}, {in.write.get(), POLLOUT, 0}};
    const int ready = ::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) throw std::runtime_error("poll failed");
    if (ready <= 0) continue;
    for (auto [index, fd, buffer] :
         {std::tuple{0, &out.read, &result.out}, std::tuple{1, &err.read, &result.err}}) {
      if ((fds[index].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(fd->get(), chunk, sizeof chunk);
      if (n > 0) {
        buffer->append(chunk, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fd->reset();
      }
    }
    if (in.write.get() >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      const ssize_t n = ::write(in.write.get(), options.stdin_text.data() + written,
                                options.stdin_text.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      // A child that stopped reading (EPIPE) gets no more; one that read everything gets EOF.
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.stdin_text.size()) {
        in.write.reset();
      }
    }
  }
  in.write.reset();

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

std::string describe(const ProcessResult& result) {
  std::string text;
  if (result.timed_out) {
    text = "timed out";
  } else if (result.signal != 0) {
    text = "killed by signal " + std::to_string(result.signal);
  } else {
    text = "exit " + std::to_string(result.exit_code);
  }
  return text + ", stdout: [" + result.out + "], stderr: [" + result.err + "]";
}

}  // namespace latchkey::test
