// The filter expressions' tokenizer (engine/expr.h's parser reads its tokens).
// Internal to the engine. Thread-safe (pure functions).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::engine::expr_internal {

enum class Tok { kEnd, kIdent, kNumber, kString, kOp, kLParen, kRParen, kLBracket, kRBracket, kComma };

struct Token {
  Tok kind;
  std::string text;
  size_t pos;
};

std::string Lower(std::string s);
// `text` for an error message: whole when short, else its first 200 characters and
// how long it was (an expression can be megabytes long).
std::string Quote(const std::string& text);
// Splits `in` into tokens, ending with one of kind kEnd; InvalidArgument naming the
// position on an unterminated string or an unexpected character.
Status Lex(const std::string& in, std::vector<Token>* out);

}  // namespace mdrill::engine::expr_internal
