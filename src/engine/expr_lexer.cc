#include "engine/expr_lexer.h"

#include <cctype>

namespace mdrill::engine::expr_internal {

std::string Quote(const std::string& text) {
  if (text.size() <= 200) return text;
  return text.substr(0, 200) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status Lex(const std::string& in, std::vector<Token>* out) {
  size_t i = 0;
  auto err = [&](const std::string& why) {
    return Status::InvalidArgument("cannot parse expression: " + Quote(in) + ", error: " + why + " at position " +
                                   std::to_string(i));
  };
  while (i < in.size()) {
    char c = in[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (i < in.size() && (std::isalnum(static_cast<unsigned char>(in[i])) || in[i] == '_')) ++i;
      out->push_back({Tok::kIdent, in.substr(start, i - start), start});
    } else if (std::isdigit(static_cast<unsigned char>(c)) ||
               (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      while (i < in.size() && (std::isalnum(static_cast<unsigned char>(in[i])) || in[i] == '.' ||
                               ((in[i] == '-' || in[i] == '+') && (in[i - 1] == 'e' || in[i - 1] == 'E'))))
        ++i;
      out->push_back({Tok::kNumber, in.substr(start, i - start), start});
    } else if (c == '\'' || c == '"') {
      std::string s;
      ++i;
      while (i < in.size() && in[i] != c) {
        if (in[i] == '\\' && i + 1 < in.size()) ++i;
        s += in[i++];
      }
      if (i >= in.size()) return err("unterminated string");
      ++i;
      out->push_back({Tok::kString, s, start});
    } else if (c == '(') {
      out->push_back({Tok::kLParen, "(", i++});
    } else if (c == ')') {
      out->push_back({Tok::kRParen, ")", i++});
    } else if (c == '[') {
      out->push_back({Tok::kLBracket, "[", i++});
    } else if (c == ']') {
      out->push_back({Tok::kRBracket, "]", i++});
    } else if (c == ',') {
      out->push_back({Tok::kComma, ",", i++});
    } else {
      static const char* kOps[] = {"==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "-", "+"};
      bool found = false;
      for (const char* op : kOps) {
        size_t n = std::char_traits<char>::length(op);
        if (in.compare(i, n, op) == 0) {
          out->push_back({Tok::kOp, op, i});
          i += n;
          found = true;
          break;
        }
      }
      if (!found) return err(std::string("unexpected character '") + c + "'");
    }
  }
  out->push_back({Tok::kEnd, "", in.size()});
  return Status::OK();
}

}  // namespace mdrill::engine::expr_internal
