#include "runner/steps/exec_credential.h"

#include <gtest/gtest.h>

namespace tame {
namespace {

const char kV1[] = "client.authentication.k8s.io/v1";

TEST(ExecCredentialTest, ReadsATokenAndItsExpiry) {
  ExecCredential c;
  std::string error;
  ASSERT_TRUE(ParseExecCredential(
      R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
          "status": {"token": "t0k", "expirationTimestamp": "2026-01-02T03:04:05Z"}})",
      kV1, &c, &error))
      << error;
  EXPECT_EQ(c.token, "t0k");
  EXPECT_EQ(c.expires, 1767323045);
}

TEST(ExecCredentialTest, ReadsACertificateAndKey) {
  ExecCredential c;
  std::string error;
  ASSERT_TRUE(ParseExecCredential(
      R"({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
          "status": {"clientCertificateData": "CERT", "clientKeyData": "KEY"}})",
      "client.authentication.k8s.io/v1beta1", &c, &error));
  EXPECT_EQ(c.client_cert_pem, "CERT");
  EXPECT_EQ(c.client_key_pem, "KEY");
  EXPECT_EQ(c.expires, 0);
}

TEST(ExecCredentialTest, RefusesWhatIsNotACredential) {
  const std::pair<const char*, const char*> cases[] = {
      {"not json", "printed no ExecCredential JSON on its stdout"},
      {R"({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential"})",
       "printed an ExecCredential of apiVersion \"client.authentication.k8s.io/v1beta1\", but "
       "the kubeconfig asks for \"client.authentication.k8s.io/v1\""},
      {R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "Status"})",
       "printed a \"Status\", not an ExecCredential"},
      {R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential"})",
       "printed an ExecCredential without a status"},
      {R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
           "status": {}})",
       "printed neither a token nor clientCertificateData and clientKeyData"},
      {R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
           "status": {"clientKeyData": "KEY"}})",
       "printed clientKeyData without clientCertificateData"},
      {R"({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
           "status": {"token": "t", "expirationTimestamp": "tomorrow"}})",
       "printed expirationTimestamp \"tomorrow\", which is not an RFC 3339 time"},
  };
  for (const auto& [text, message] : cases) {
    ExecCredential c;
    std::string error;
    EXPECT_FALSE(ParseExecCredential(text, kV1, &c, &error)) << text;
    EXPECT_EQ(error, message) << text;
  }
}

TEST(ExecCredentialTest, Rfc3339TimesWithFractionsAndOffsets) {
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00.123456+01:00"), 0);
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:30:00-00:30"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01 00:00:00Z"), -1);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00"), -1);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Zjunk"), -1);
}

}  // namespace
}  // namespace tame
