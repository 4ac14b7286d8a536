#include "runner/steps/tar_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tame {
namespace {

constexpr size_t kBlock = 512;
constexpr uint64_t kMaxOctal11 = 077777777777ull;  // what a 12-byte field holds

// Writes `value` as `width - 1` octal digits and a NUL, as ustar wants.
void PutOctal(char* field, size_t width, uint64_t value) {
  std::memset(field, '0', width - 1);
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0 && value != 0; value >>= 3) {
    field[i] = static_cast<char>('0' + (value & 7));
  }
}

// One PAX record, "LEN key=value\n", where LEN counts the whole record.
std::string PaxRecord(const std::string& key, const std::string& value) {
  size_t body = key.size() + value.size() + 3;  // ' ', '=', '\n'
  size_t length = body + 1;
  while (std::to_string(length).size() + body != length) {
    length = std::to_string(length).size() + body;
  }
  return std::to_string(length) + " " + key + "=" + value + "\n";
}

// Splits `name` over ustar's prefix (155) and name (100) fields at a '/'.
bool SplitUstarName(const std::string& name, std::string* prefix, std::string* rest) {
  if (name.size() <= 100) {
    prefix->clear();
    *rest = name;
    return true;
  }
  for (size_t slash = name.find('/'); slash != std::string::npos;
       slash = name.find('/', slash + 1)) {
    if (slash > 155) break;
    if (name.size() - slash - 1 <= 100 && slash + 1 < name.size()) {
      *prefix = name.substr(0, slash);
      *rest = name.substr(slash + 1);
      return true;
    }
  }
  return false;
}

std::string UstarBlock(const std::string& name, const std::string& link, char type, uint32_t mode,
                       uint64_t size, int64_t mtime) {
  std::string block(kBlock, '\0');
  char* h = &block[0];
  std::string prefix, rest;
  if (!SplitUstarName(name, &prefix, &rest)) {
    rest = name.substr(0, 100);  // the PAX header before this one has the full name
    prefix.clear();
  }
  std::memcpy(h, rest.data(), std::min<size_t>(rest.size(), 100));
  PutOctal(h + 100, 8, mode & 07777);
  PutOctal(h + 108, 8, 0);
  PutOctal(h + 116, 8, 0);
  PutOctal(h + 124, 12, std::min(size, kMaxOctal11));
  PutOctal(h + 136, 12, static_cast<uint64_t>(std::clamp<int64_t>(mtime, 0, kMaxOctal11)));
  h[156] = type;
  std::memcpy(h + 157, link.data(), std::min<size_t>(link.size(), 100));
  std::memcpy(h + 257, "ustar", 6);  // with its NUL
  std::memcpy(h + 263, "00", 2);
  std::memcpy(h + 345, prefix.data(), std::min<size_t>(prefix.size(), 155));
  // The checksum is computed with its own field read as spaces.
  std::memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += static_cast<unsigned char>(h[i]);
  PutOctal(h + 148, 7, sum);  // six digits and a NUL, then the space left
  return block;
}

std::string Padded(std::string data) {
  data.resize((data.size() + kBlock - 1) / kBlock * kBlock, '\0');
  return data;
}

}  // namespace

std::string TarHeader(const TarEntry& entry) {
  std::string name = entry.name;
  char type = '0';
  uint64_t size = 0;
  if (entry.type == TarEntry::Type::kDirectory) {
    name += "/";
    type = '5';
  } else if (entry.type == TarEntry::Type::kSymlink) {
    type = '2';
  } else {
    size = entry.size;
  }
  std::string pax;
  std::string prefix, rest;
  if (!SplitUstarName(name, &prefix, &rest)) pax += PaxRecord("path", name);
  if (entry.link.size() > 100) pax += PaxRecord("linkpath", entry.link);
  if (size > kMaxOctal11) pax += PaxRecord("size", std::to_string(size));
  std::string out;
  if (!pax.empty()) {
    std::string base = entry.name.substr(entry.name.rfind('/') + 1);
    out = UstarBlock("PaxHeaders.0/" + base.substr(0, 80), "", 'x', 0644, pax.size(), entry.mtime) +
          Padded(pax);
  }
  return out + UstarBlock(name, entry.link, type, entry.mode, size, entry.mtime);
}

TarStream::~TarStream() {
  if (fd_ >= 0) close(fd_);
}

bool TarStream::StartEntry() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (next_ == entries_.size()) {
    if (finished_) return false;
    finished_ = true;
    pending_.assign(2 * kBlock, '\0');
    pending_at_ = 0;
    return true;
  }
  const TarEntry& entry = entries_[next_++];
  pending_ = TarHeader(entry);
  pending_at_ = 0;
  content_left_ = 0;
  padding_ = 0;
  if (entry.type == TarEntry::Type::kFile) {
    fd_ = open(entry.source.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      error_ = entry.name + ": cannot open: " + std::strerror(errno);
      return false;
    }
    content_left_ = entry.size;
    padding_ = static_cast<size_t>((kBlock - entry.size % kBlock) % kBlock);
  }
  return true;
}

long TarStream::Read(char* buffer, size_t size) {
  if (!error_.empty()) return -1;
  size_t done = 0;
  while (done < size) {
    if (pending_at_ < pending_.size()) {
      size_t n = std::min(size - done, pending_.size() - pending_at_);
      std::memcpy(buffer + done, pending_.data() + pending_at_, n);
      pending_at_ += n;
      done += n;
      continue;
    }
    if (content_left_ > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(content_left_, size - done));
      ssize_t n = read(fd_, buffer + done, want);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = entries_[next_ - 1].name + ": cannot read: " + std::strerror(errno);
        return -1;
      }
      if (n == 0) {  // the file shrank: zeros keep the listed size
        std::memset(buffer + done, 0, want);
        n = static_cast<ssize_t>(want);
      }
      content_left_ -= static_cast<uint64_t>(n);
      done += static_cast<size_t>(n);
      continue;
    }
    if (padding_ > 0) {
      size_t n = std::min(size - done, padding_);
      std::memset(buffer + done, 0, n);
      padding_ -= n;
      done += n;
      continue;
    }
    if (!StartEntry()) {
      if (!error_.empty()) return -1;
      break;
    }
  }
  bytes_ += done;
  return static_cast<long>(done);
}

}  // namespace tame
