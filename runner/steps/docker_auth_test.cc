#include "runner/steps/docker_auth.h"

#include <gtest/gtest.h>

#include "core/pipeline.h"

namespace tame {
namespace {

TEST(ImageRefTest, RegistryPathTagAndDigest) {
  ImageRef ref;
  std::string error;
  ASSERT_TRUE(ParseImageRef("127.0.0.1:5000/team/iris:1.0", &ref, &error)) << error;
  EXPECT_EQ(ref.registry, "127.0.0.1:5000");
  EXPECT_EQ(ref.repository, "127.0.0.1:5000/team/iris");
  EXPECT_EQ(ref.path, "team/iris");
  EXPECT_EQ(ref.tag, "1.0");
  ASSERT_TRUE(ParseImageRef("iris", &ref, &error));
  EXPECT_EQ(ref.registry, "docker.io");
  EXPECT_EQ(ref.tag, "");
  ASSERT_TRUE(ParseImageRef("localhost/iris@sha256:abc", &ref, &error));
  EXPECT_EQ(ref.registry, "localhost");
  EXPECT_EQ(ref.digest, "sha256:abc");
  ASSERT_TRUE(ParseImageRef("library/iris:3f2a9c1b7d0e", &ref, &error));
  EXPECT_EQ(ref.registry, "docker.io");
  EXPECT_EQ(ref.path, "library/iris");
}

TEST(ImageRefTest, ClearErrors) {
  ImageRef ref;
  std::string error;
  EXPECT_FALSE(ParseImageRef("Iris:1", &ref, &error));
  EXPECT_EQ(error,
            "\"Iris:1\" is not an image reference: each part of the name holds "
            "lower-case letters and digits, joined by '.', '_' or '-'");
  EXPECT_FALSE(ParseImageRef("iris:-bad", &ref, &error));
  EXPECT_FALSE(ParseImageRef("iris@sha256", &ref, &error));
  EXPECT_FALSE(ParseImageRef(":1", &ref, &error));
  EXPECT_FALSE(ParseImageRef("a//b", &ref, &error));
  EXPECT_TRUE(ValidTag("v1.0_rc-2"));
  EXPECT_FALSE(ValidTag(".hidden"));
  EXPECT_FALSE(ValidTag(std::string(129, 'a')));
}

TEST(RegistryAuthTest, HeaderIsUrlSafeBase64OfJson) {
  RegistryAuth auth;
  auth.username = "ci";
  auth.password = "p>?~~?";  // its base64 holds '+' and '/' in the standard alphabet
  auth.server = "127.0.0.1:5000";
  std::string header = RegistryAuthHeader(auth);
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos);
  std::string json;
  ASSERT_TRUE(Base64Decode(header, &json));
  EXPECT_EQ(Json::parse(json), Json::parse(R"({"username": "ci", "password": "p>?~~?",
                                                 "serveraddress": "127.0.0.1:5000"})"));
  ASSERT_TRUE(Base64Decode(RegistryAuthHeader(RegistryAuth()), &json));
  EXPECT_EQ(json, "{}");
}

TEST(Base64DecodeTest, BothAlphabetsWithOrWithoutPadding) {
  std::string out;
  ASSERT_TRUE(Base64Decode("Y2k6cGFzcw==", &out));
  EXPECT_EQ(out, "ci:pass");
  ASSERT_TRUE(Base64Decode("Y2k6cGFzcw", &out));
  EXPECT_EQ(out, "ci:pass");
  ASSERT_TRUE(Base64Decode("-_8", &out));
  EXPECT_EQ(out, "\xfb\xff");
  EXPECT_FALSE(Base64Decode("a$b", &out));
}

}  // namespace
}  // namespace tame
