#include "engine/expr.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "engine/expr_lexer.h"

namespace mdrill::engine {
namespace {

using expr_internal::Lex;
using expr_internal::Lower;
using expr_internal::Tok;
using expr_internal::Token;

// ---------------------------------------------------------------- AST

enum class Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// A term: a field reference or a constant, with its static type.
struct Term {
  int field = -1;  // index into columns, or -1 for a constant
  DataType type = DataType::kNone;
  Value constant;
};

Value Load(const Term& t, const std::vector<Column>& cols, size_t row) {
  if (t.field < 0) return t.constant;
  const Column& c = cols[static_cast<size_t>(t.field)];
  if (c.type == DataType::kBool) return Value(c.ints[row] != 0);
  if (IsIntegerLike(c.type)) return Value(c.ints[row]);
  if (IsReal(c.type)) return Value(c.reals[row]);
  return Value(c.strs[row]);
}

// Three-way comparison of two values of compatible types (checked at bind time).
int Compare(const Value& a, const Value& b) {
  if (std::holds_alternative<std::string>(a)) {
    const auto& x = std::get<std::string>(a);
    const auto& y = std::get<std::string>(b);
    return x < y ? -1 : (x == y ? 0 : 1);
  }
  auto num = [](const Value& v) -> long double {
    if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? 1 : 0;
    if (std::holds_alternative<int64_t>(v)) return static_cast<long double>(std::get<int64_t>(v));
    return static_cast<long double>(std::get<double>(v));
  };
  if (std::holds_alternative<int64_t>(a) && std::holds_alternative<int64_t>(b)) {
    auto x = std::get<int64_t>(a), y = std::get<int64_t>(b);
    return x < y ? -1 : (x == y ? 0 : 1);
  }
  long double x = num(a), y = num(b);
  return x < y ? -1 : (x == y ? 0 : 1);
}

bool Holds(Cmp op, int c) {
  switch (op) {
    case Cmp::kEq:
      return c == 0;
    case Cmp::kNe:
      return c != 0;
    case Cmp::kLt:
      return c < 0;
    case Cmp::kLe:
      return c <= 0;
    case Cmp::kGt:
      return c > 0;
    case Cmp::kGe:
      return c >= 0;
  }
  return false;
}

class CompareExpr : public Expr {
 public:
  CompareExpr(Term l, Cmp op, Term r) : l_(std::move(l)), op_(op), r_(std::move(r)) {}
  bool Eval(const std::vector<Column>& cols, size_t row) const override {
    return Holds(op_, Compare(Load(l_, cols, row), Load(r_, cols, row)));
  }

 private:
  Term l_;
  Cmp op_;
  Term r_;
};

class InExpr : public Expr {
 public:
  InExpr(Term t, std::vector<Value> set, bool negate) : t_(std::move(t)), set_(std::move(set)), negate_(negate) {}
  bool Eval(const std::vector<Column>& cols, size_t row) const override {
    Value v = Load(t_, cols, row);
    bool found = std::any_of(set_.begin(), set_.end(), [&](const Value& x) { return Compare(v, x) == 0; });
    return found != negate_;
  }

 private:
  Term t_;
  std::vector<Value> set_;
  bool negate_;
};

class BoolFieldExpr : public Expr {
 public:
  explicit BoolFieldExpr(int field) : field_(field) {}
  bool Eval(const std::vector<Column>& cols, size_t row) const override {
    return cols[static_cast<size_t>(field_)].ints[row] != 0;
  }

 private:
  int field_;
};

class ConstExpr : public Expr {
 public:
  explicit ConstExpr(bool v) : v_(v) {}
  bool Eval(const std::vector<Column>&, size_t) const override { return v_; }

 private:
  bool v_;
};

// and / or over any number of operands (flat, so a long chain of "a or b or c ..."
// is one node, not a deep tree), and not.
class LogicExpr : public Expr {
 public:
  enum Kind { kAnd, kOr, kNot };
  LogicExpr(Kind k, std::unique_ptr<Expr> a, std::unique_ptr<Expr> b) : k_(k) {
    Add(std::move(a));
    if (b) Add(std::move(b));
  }
  bool Eval(const std::vector<Column>& cols, size_t row) const override {
    switch (k_) {
      case kAnd:
        for (const auto& e : operands_)
          if (!e->Eval(cols, row)) return false;
        return true;
      case kOr:
        for (const auto& e : operands_)
          if (e->Eval(cols, row)) return true;
        return false;
      case kNot:
        return !operands_[0]->Eval(cols, row);
    }
    return false;
  }
  Kind kind() const { return k_; }
  // Appends an operand; one of the same and/or kind is merged into this node.
  void Add(std::unique_ptr<Expr> e) {
    auto* same = dynamic_cast<LogicExpr*>(e.get());
    if (k_ != kNot && same != nullptr && same->k_ == k_) {
      for (auto& o : same->operands_) operands_.push_back(std::move(o));
      return;
    }
    operands_.push_back(std::move(e));
  }

 private:
  Kind k_;
  std::vector<std::unique_ptr<Expr>> operands_;
};

// ---------------------------------------------------------------- parser

class Parser {
 public:
  Parser(const std::string& text, const std::vector<Token>& toks, const CollectionSchema& schema)
      : text_(text), toks_(toks), schema_(schema) {}

  Status Parse(std::unique_ptr<Expr>* out) {
    Status s = ParseOr(out);
    if (!s.ok()) return s;
    if (Peek().kind != Tok::kEnd) return Error("unexpected '" + Peek().text + "'");
    return Status::OK();
  }

 private:
  const Token& Peek() const { return toks_[pos_]; }
  const Token& Next() { return toks_[pos_++]; }
  bool IsWord(const char* w) const { return Peek().kind == Tok::kIdent && Lower(Peek().text) == w; }
  bool IsOp(const char* op) const { return Peek().kind == Tok::kOp && Peek().text == op; }
  Status Error(const std::string& why) const {
    return Status::InvalidArgument("cannot parse expression: " + expr_internal::Quote(text_) + ", error: " + why +
                                   " at position " + std::to_string(Peek().pos));
  }

  Status ParseOr(std::unique_ptr<Expr>* out) {
    Status s = ParseAnd(out);
    while (s.ok() && (IsWord("or") || IsOp("||"))) {
      Next();
      std::unique_ptr<Expr> rhs;
      s = ParseAnd(&rhs);
      if (s.ok()) *out = Combine(LogicExpr::kOr, std::move(*out), std::move(rhs));
    }
    return s;
  }

  Status ParseAnd(std::unique_ptr<Expr>* out) {
    Status s = ParseNot(out);
    while (s.ok() && (IsWord("and") || IsOp("&&"))) {
      Next();
      std::unique_ptr<Expr> rhs;
      s = ParseNot(&rhs);
      if (s.ok()) *out = Combine(LogicExpr::kAnd, std::move(*out), std::move(rhs));
    }
    return s;
  }

  // Every "not" and every "(" nests one level deeper; the parser (and so the
  // evaluator, and the tree's destructor) recurse once per level, so the depth is
  // bounded before it can exhaust a thread's stack.
  Status ParseNot(std::unique_ptr<Expr>* out) {
    if (IsWord("not") || IsOp("!") || Peek().kind == Tok::kLParen) {
      if (++depth_ > kMaxExprDepth)
        return Error("expression nested deeper than " + std::to_string(kMaxExprDepth) +
                     " levels (parentheses and not)");
      Status s = ParseNested(out);
      --depth_;
      return s;
    }
    return ParseCmp(out);
  }

  Status ParseNested(std::unique_ptr<Expr>* out) {
    if (Next().kind != Tok::kLParen) {  // not
      std::unique_ptr<Expr> inner;
      Status s = ParseNot(&inner);
      if (s.ok()) *out = std::make_unique<LogicExpr>(LogicExpr::kNot, std::move(inner), nullptr);
      return s;
    }
    Status s = ParseOr(out);
    if (!s.ok()) return s;
    if (Peek().kind != Tok::kRParen) return Error("missing ')'");
    Next();
    return Status::OK();
  }

  // a and b (or a or b): one flat node, whatever the length of the chain.
  // Appends to `a` in place when it already is such a node (linear in the chain).
  static std::unique_ptr<Expr> Combine(LogicExpr::Kind k, std::unique_ptr<Expr> a, std::unique_ptr<Expr> b) {
    if (auto* chain = dynamic_cast<LogicExpr*>(a.get()); chain != nullptr && chain->kind() == k) {
      chain->Add(std::move(b));
      return a;
    }
    return std::make_unique<LogicExpr>(k, std::move(a), std::move(b));
  }

  Status ParseLiteral(Term* t) {
    bool neg = false;
    if (IsOp("-") || IsOp("+")) neg = Next().text == "-";
    const Token& tok = Peek();
    if (tok.kind == Tok::kNumber) {
      Next();
      const std::string& s = tok.text;
      char* end = nullptr;
      errno = 0;
      bool is_int = s.find_first_of(".eE") == std::string::npos;
      if (is_int) {
        long long v = std::strtoll(s.c_str(), &end, 10);
        if (*end != '\0' || errno == ERANGE) return Error("invalid integer '" + s + "'");
        t->constant = static_cast<int64_t>(neg ? -v : v);
        t->type = DataType::kInt64;
      } else {
        double v = std::strtod(s.c_str(), &end);
        if (*end != '\0' || !std::isfinite(v)) return Error("invalid number '" + s + "'");
        t->constant = neg ? -v : v;
        t->type = DataType::kDouble;
      }
      return Status::OK();
    }
    if (neg) return Error("'-' must be followed by a number");
    if (tok.kind == Tok::kString) {
      Next();
      t->constant = tok.text;
      t->type = DataType::kVarChar;
      return Status::OK();
    }
    if (tok.kind == Tok::kIdent && (Lower(tok.text) == "true" || Lower(tok.text) == "false")) {
      Next();
      t->constant = Lower(tok.text) == "true";
      t->type = DataType::kBool;
      return Status::OK();
    }
    return Error("expected a literal, found '" + tok.text + "'");
  }

  Status ParseTerm(Term* t) {
    const Token& tok = Peek();
    if (tok.kind == Tok::kIdent && Lower(tok.text) != "true" && Lower(tok.text) != "false") {
      int idx = schema_.FieldIndex(tok.text);
      if (idx < 0) return Error("field " + tok.text + " not exist");
      const FieldSchema& f = schema_.fields[static_cast<size_t>(idx)];
      if (f.type == DataType::kFloatVector) return Error("vector field " + f.name + " cannot be used in a filter");
      Next();
      t->field = idx;
      t->type = f.type;
      return Status::OK();
    }
    return ParseLiteral(t);
  }

  static int Kind(DataType t) {  // 0 string, 1 bool, 2 number
    if (t == DataType::kVarChar) return 0;
    if (t == DataType::kBool) return 1;
    return 2;
  }

  Status CheckComparable(const Term& a, const Term& b) const {
    if (Kind(a.type) != Kind(b.type))
      return Error(std::string("cannot compare ") + DataTypeName(a.type) + " with " + DataTypeName(b.type));
    return Status::OK();
  }

  bool ParseCmpOp(Cmp* op) {
    static const std::pair<const char*, Cmp> kOps[] = {{"==", Cmp::kEq}, {"!=", Cmp::kNe}, {"<=", Cmp::kLe},
                                                       {">=", Cmp::kGe}, {"<", Cmp::kLt},  {">", Cmp::kGt}};
    for (const auto& [text, c] : kOps)
      if (IsOp(text)) {
        Next();
        *op = c;
        return true;
      }
    return false;
  }

  Status ParseCmp(std::unique_ptr<Expr>* out) {
    Term lhs;
    Status s = ParseTerm(&lhs);
    if (!s.ok()) return s;
    bool negate = false;
    if (IsWord("not")) {
      Next();
      if (!IsWord("in")) return Error("expected 'in' after 'not'");
      negate = true;
    }
    if (IsWord("in")) {
      Next();
      if (lhs.field < 0) return Error("the left side of 'in' must be a field");
      return ParseInList(lhs, negate, out);
    }
    Cmp op;
    if (!ParseCmpOp(&op)) {
      if (lhs.field >= 0 && lhs.type == DataType::kBool) {
        *out = std::make_unique<BoolFieldExpr>(lhs.field);
        return Status::OK();
      }
      if (lhs.field < 0 && lhs.type == DataType::kBool) {
        *out = std::make_unique<ConstExpr>(std::get<bool>(lhs.constant));
        return Status::OK();
      }
      return Error("expected a comparison after '" + toks_[pos_ - 1].text + "'");
    }
    Term mid;
    if (!(s = ParseTerm(&mid)).ok() || !(s = CheckComparable(lhs, mid)).ok()) return s;
    if (lhs.field < 0 && mid.field < 0) return Error("a comparison needs a field");
    *out = std::make_unique<CompareExpr>(lhs, op, mid);
    Cmp op2;
    if (ParseCmpOp(&op2)) {  // chained range: a < x < b
      Term rhs;
      if (!(s = ParseTerm(&rhs)).ok() || !(s = CheckComparable(mid, rhs)).ok()) return s;
      *out =
          std::make_unique<LogicExpr>(LogicExpr::kAnd, std::move(*out), std::make_unique<CompareExpr>(mid, op2, rhs));
    }
    return Status::OK();
  }

  Status ParseInList(const Term& t, bool negate, std::unique_ptr<Expr>* out) {
    if (Peek().kind != Tok::kLBracket) return Error("expected '[' after 'in'");
    Next();
    std::vector<Value> set;
    while (Peek().kind != Tok::kRBracket) {
      Term lit;
      Status s = ParseLiteral(&lit);
      if (!s.ok()) return s;
      if (!(s = CheckComparable(t, lit)).ok()) return s;
      set.push_back(lit.constant);
      if (Peek().kind == Tok::kComma)
        Next();
      else if (Peek().kind != Tok::kRBracket)
        return Error("expected ',' or ']' in list");
    }
    Next();
    *out = std::make_unique<InExpr>(t, std::move(set), negate);
    return Status::OK();
  }

  const std::string& text_;
  const std::vector<Token>& toks_;
  const CollectionSchema& schema_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Status ParseExpr(const std::string& text, const CollectionSchema& schema, std::unique_ptr<Expr>* out) {
  out->reset();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return Status::OK();
  std::vector<Token> toks;
  Status s = Lex(text, &toks);
  if (!s.ok()) return s;
  return Parser(text, toks, schema).Parse(out);
}

bool ExtractPrimaryKeys(const std::string& text, const CollectionSchema& schema, std::vector<Value>* keys) {
  std::vector<Token> t;
  if (!Lex(text, &t).ok() || t.size() < 4) return false;
  int pk = schema.PrimaryIndex();
  if (pk < 0 || t[0].kind != Tok::kIdent || t[0].text != schema.fields[pk].name) return false;
  bool is_int = schema.fields[pk].type == DataType::kInt64;
  auto literal = [&](size_t i, bool neg, Value* v) {
    if (is_int && t[i].kind == Tok::kNumber && t[i].text.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      char* end = nullptr;
      long long x = std::strtoll(t[i].text.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) return false;
      *v = static_cast<int64_t>(neg ? -x : x);
      return true;
    }
    if (!is_int && !neg && t[i].kind == Tok::kString) {
      *v = t[i].text;
      return true;
    }
    return false;
  };
  keys->clear();
  if (t[1].kind == Tok::kOp && t[1].text == "==") {
    size_t i = 2;
    bool neg = t[i].kind == Tok::kOp && t[i].text == "-" && ++i;
    Value v;
    if (!literal(i, neg, &v) || t[i + 1].kind != Tok::kEnd) return false;
    keys->push_back(v);
    return true;
  }
  if (!(t[1].kind == Tok::kIdent && Lower(t[1].text) == "in" && t[2].kind == Tok::kLBracket)) return false;
  size_t i = 3;
  while (t[i].kind != Tok::kRBracket) {
    bool neg = t[i].kind == Tok::kOp && t[i].text == "-" && ++i;
    Value v;
    if (!literal(i, neg, &v)) return false;
    keys->push_back(v);
    ++i;
    if (t[i].kind == Tok::kComma)
      ++i;
    else if (t[i].kind != Tok::kRBracket)
      return false;
  }
  return t[i + 1].kind == Tok::kEnd;
}

}  // namespace mdrill::engine
