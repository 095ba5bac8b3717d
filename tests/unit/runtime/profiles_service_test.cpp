// Persona and human profiles through the one service the CLI and the server share: a profile
// needs a name and a text (the server used to store an empty text, the CLI refused it), a
// second one of the same name is refused unless replaced, and removal deletes it.
#include "runtime/profiles_service.h"

#include <gtest/gtest.h>

#include "support/test_env.h"

namespace memgpt::runtime {
namespace {

using store::ProfileKind;

class ProfilesServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::MetadataStore::open_sqlite_file(dir_.file("sqlite.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->ensure_user("u").ok());
  }
  testing::TempDir dir_;
  std::unique_ptr<store::MetadataStore> store_;
};

TEST_F(ProfilesServiceTest, AProfileNeedsANameAndAText) {
  ProfilesService profiles(*store_);
  EXPECT_EQ(profiles.add(ProfileKind::kPersona, "u", "", "I am Sam.").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(profiles.add(ProfileKind::kPersona, "u", "blank", "").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(profiles.add(ProfileKind::kHuman, "u", "blank", " \n\t").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(store_->get_profile(ProfileKind::kPersona, "u", "blank").ok());
}

TEST_F(ProfilesServiceTest, ASecondProfileOfTheSameNameIsRefusedUnlessReplaced) {
  ProfilesService profiles(*store_);
  ASSERT_TRUE(profiles.add(ProfileKind::kPersona, "u", "pirate", "Arr.").ok());
  auto again = profiles.add(ProfileKind::kPersona, "u", "pirate", "Yo ho.");
  EXPECT_EQ(again.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store_->get_profile(ProfileKind::kPersona, "u", "pirate")->text, "Arr.");
  auto replaced = profiles.add(ProfileKind::kPersona, "u", "pirate", "Yo ho.", /*replace=*/true);
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_EQ(replaced->text, "Yo ho.");
  EXPECT_EQ(store_->get_profile(ProfileKind::kPersona, "u", "pirate")->text, "Yo ho.");
}

TEST_F(ProfilesServiceTest, ListedAndRemovedByKind) {
  ProfilesService profiles(*store_);
  ASSERT_TRUE(profiles.add(ProfileKind::kHuman, "u", "ann", "Name: Ann").ok());
  auto humans = profiles.list(ProfileKind::kHuman, "u");
  ASSERT_TRUE(humans.ok());
  bool listed = false;
  for (const auto& p : *humans) listed = listed || p.name == "ann";
  EXPECT_TRUE(listed);
  ASSERT_TRUE(profiles.remove(ProfileKind::kHuman, "u", "ann").ok());
  EXPECT_EQ(store_->get_profile(ProfileKind::kHuman, "u", "ann").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace memgpt::runtime
