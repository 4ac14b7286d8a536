#include "runner/steps/k8s_release.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

Json Template(const std::string& image) {
  return Json::parse(R"({"spec": {"containers": [{"image": ")" + image + R"("}]}})");
}

TEST(K8sReleaseTest, BlueGreenNameIsTheFirst8HexOfTheTemplatesHash) {
  EXPECT_EQ(BlueGreenName("iris", Template("r/iris:1")), "iris-c2b6c95c");
  EXPECT_EQ(BlueGreenName("iris", Template("r/iris:2")), "iris-62d25a03");
  // The same template gives the same name: a rerun finds the version it made.
  EXPECT_EQ(BlueGreenName("iris", Template("r/iris:2")),
            BlueGreenName("iris", Template("r/iris:2")));
}

}  // namespace
}  // namespace tame
