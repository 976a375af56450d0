// A second deployment with tight limits and routes to a misbehaving upstream, shared by the
// limits and upstream-strictness suites (starting one costs a second or two).
#pragma once

#include "tests/e2e/deployment.hpp"
#include "tests/e2e/misbehaving_upstream.hpp"

namespace latchkey::test {

// Its limits, as the tests rely on them.
inline constexpr std::size_t kLimitedMaxHeaderBytes = 4096;
inline constexpr std::size_t kLimitedMaxHeaderCount = 30;
inline constexpr std::size_t kLimitedMaxRequests = 3;
inline constexpr std::size_t kLimitedBodyBytes = 1000;  // on /capped

struct LimitedDeployment {
  MisbehavingUpstream misbehaving;
  Deployment deployment;
  LimitedDeployment();
};

LimitedDeployment& limited();

}  // namespace latchkey::test
