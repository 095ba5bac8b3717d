// HTML -> visible text with gumbo, in bounded time and stack:
// - gumbo's tree builder checks element scope by walking the stack of open elements for most
//   tags, so deep nesting costs time quadratic in the depth (60,000 nested <div> took 7 s,
//   200,000 took minutes): flatten_deep_html() first takes out the tags that would nest deeper
//   than kMaxHtmlDepth, using a linear model of the tree builder (implied end tags of p, li,
//   table cells and the like; raw text of script and style);
// - gumbo frees its tree recursively (a stack overflow on deep trees): every allocation goes
//   through a tracked allocator instead, freed in one pass, and the tree is walked iteratively;
// - should a document defeat the model, a CPU budget checked in that allocator stops the parse
//   with a clear error rather than letting it run for hours.
#include <gumbo.h>

#include <fmt/format.h>

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <ctime>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sources/extract.h"

namespace memgpt::sources {
namespace {

// CPU seconds gumbo may spend on a document: gumbo parses ordinary pages at about 10 MB/s,
// so this is several times the linear cost of a page, however slow its markup makes gumbo.
double parse_budget_seconds(size_t bytes) { return 2.0 + 0.5 * static_cast<double>(bytes) / (1 << 20); }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (n == name) return true;
  }
  return false;
}

bool is_void(std::string_view t) {
  return one_of(t, {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                    "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image"});
}

// Elements whose content is text up to their end tag (no markup inside).
bool is_raw_text(std::string_view t) {
  return one_of(t, {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"});
}

// Start tags that close an open <p> (block-level elements).
bool closes_p(std::string_view t) {
  return one_of(t, {"p", "div", "ul", "ol", "dl", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
                    "blockquote", "section", "article", "aside", "header", "footer", "nav", "address",
                    "figure", "figcaption", "fieldset", "form", "main", "menu", "details", "summary",
                    "center", "dir", "listing", "hgroup", "dialog", "li", "dd", "dt", "xmp", "plaintext", "search"});
}

// What the tree builder needs to know of an open element (the HTML standard's categories).
enum ElementFlag : unsigned {
  kSpecial = 1,              // the "special" category: end tags of other elements stop at it
  kSpecialForLists = 2,      // special except address, div and p (where <li>, <dd>, <dt> stop looking)
  kScopeBoundary = 4,        // bounds "has an element in scope"
  kListScopeBoundary = 8,    // ... in list item scope (adds ol, ul)
  kButtonScopeBoundary = 16, // ... in button scope (adds button)
  kTableScopeBoundary = 32,  // ... in table scope (html, table, template only)
  kSelectScopeBoundary = 64, // ... in select scope (all but option and optgroup)
};
constexpr int kFlagCount = 7;

unsigned element_flags(std::string_view t) {
  static const std::initializer_list<std::string_view> kSpecialNames = {
      "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote", "body",
      "br", "button", "caption", "center", "col", "colgroup", "dd", "details", "dir", "div", "dl", "dt",
      "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2", "h3",
      "h4", "h5", "h6", "head", "header", "hgroup", "hr", "html", "iframe", "img", "input", "keygen", "li",
      "link", "listing", "main", "marquee", "menu", "meta", "nav", "noembed", "noframes", "noscript",
      "object", "ol", "p", "param", "plaintext", "pre", "script", "search", "section", "select", "source",
      "style", "summary", "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title",
      "tr", "track", "ul", "wbr", "xmp", "mi", "mo", "mn", "ms", "mtext", "annotation-xml",
      "foreignobject", "desc"};
  unsigned f = 0;
  if (one_of(t, kSpecialNames)) {
    f |= kSpecial;
    if (t != "address" && t != "div" && t != "p") f |= kSpecialForLists;
  }
  if (one_of(t, {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template", "mi", "mo",
                 "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc", "title"})) {
    f |= kScopeBoundary | kListScopeBoundary | kButtonScopeBoundary;
  }
  if (t == "ol" || t == "ul") f |= kListScopeBoundary;
  if (t == "button") f |= kButtonScopeBoundary;
  if (t == "html" || t == "table" || t == "template") f |= kTableScopeBoundary;
  if (t != "option" && t != "optgroup") f |= kSelectScopeBoundary;
  return f;
}

// One tag found in the text: [begin, end) in the input.
struct TagToken {
  size_t begin = 0, end = 0;
  bool is_end = false;
  std::string name;  // lower case
  // Names (lower case) and values of the attributes, for the few tags whose attributes change
  // how they are parsed (annotation-xml, font).
  std::vector<std::pair<std::string, std::string>> attributes;
};

bool wants_attributes(std::string_view name) { return name == "annotation-xml" || name == "font"; }

// Parses the tag starting at s[i] == '<' when it is one, as the HTML tokenizer does: attribute
// values in quotes may hold '>'.
bool scan_tag(std::string_view s, size_t i, TagToken& tag) {
  size_t j = i + 1;
  tag.is_end = j < s.size() && s[j] == '/';
  if (tag.is_end) ++j;
  if (j >= s.size() || !is_alpha(s[j])) return false;
  tag.begin = i;
  tag.name.clear();
  tag.attributes.clear();
  while (j < s.size() && !is_space(s[j]) && s[j] != '/' && s[j] != '>') tag.name += lower(s[j++]);
  bool keep_attributes = wants_attributes(tag.name);
  while (j < s.size() && s[j] != '>') {
    if (is_space(s[j]) || s[j] == '/') {
      ++j;
      continue;
    }
    size_t name_begin = j++;  // a first '=' belongs to the name
    while (j < s.size() && !is_space(s[j]) && s[j] != '/' && s[j] != '>' && s[j] != '=') ++j;
    size_t name_end = j;
    while (j < s.size() && is_space(s[j])) ++j;
    size_t value_begin = j, value_end = j;
    if (j < s.size() && s[j] == '=') {
      ++j;
      while (j < s.size() && is_space(s[j])) ++j;
      if (j < s.size() && (s[j] == '"' || s[j] == '\'')) {
        size_t close = s.find(s[j], j + 1);
        value_begin = j + 1;
        value_end = close == std::string_view::npos ? s.size() : close;
        j = close == std::string_view::npos ? s.size() : close + 1;
      } else {
        value_begin = j;
        while (j < s.size() && !is_space(s[j]) && s[j] != '>') ++j;
        value_end = j;
      }
    }
    if (keep_attributes) {
      std::string name;
      for (size_t k = name_begin; k < name_end; ++k) name += lower(s[k]);
      tag.attributes.emplace_back(std::move(name), std::string(s.substr(value_begin, value_end - value_begin)));
    }
  }
  tag.end = j < s.size() ? j + 1 : s.size();
  return true;
}

bool has_attribute(const TagToken& tag, std::string_view name) {
  for (const auto& [n, v] : tag.attributes) {
    if (n == name) return true;
  }
  return false;
}

// <annotation-xml encoding="text/html"> holds HTML, not MathML.
bool is_html_annotation(const TagToken& tag) {
  for (const auto& [n, v] : tag.attributes) {
    if (n != "encoding") continue;
    std::string value;
    for (char c : v) value += lower(c);
    return value == "text/html" || value == "application/xhtml+xml";
  }
  return false;
}

// HTML start tags that end SVG or MathML content (the tree builder pops back to HTML first).
bool breaks_out_of_foreign(const TagToken& tag) {
  if (tag.name == "font") {
    return has_attribute(tag, "color") || has_attribute(tag, "face") || has_attribute(tag, "size");
  }
  return one_of(tag.name, {"b", "big", "blockquote", "body", "br", "center", "code", "dd", "div", "dl", "dt", "em",
                           "embed", "h1", "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "listing",
                           "menu", "meta", "nobr", "ol", "p", "pre", "ruby", "s", "small", "span", "strong",
                           "strike", "sub", "sup", "table", "tt", "u", "ul", "var"});
}

// Where a comment that starts at s[i] ("<!--") ends: after "-->" or "--!>", or at once for the
// abrupt "<!-->" and "<!--->".
size_t comment_end(std::string_view s, size_t i) {
  if (s.compare(i, 5, "<!-->") == 0) return i + 5;
  if (s.compare(i, 6, "<!--->") == 0) return i + 6;
  for (size_t k = s.find("--", i + 4); k != std::string_view::npos; k = s.find("--", k + 1)) {
    if (k + 2 < s.size() && s[k + 2] == '>') return k + 3;
    if (k + 3 < s.size() && s[k + 2] == '!' && s[k + 3] == '>') return k + 4;
  }
  return s.size();
}

// Where the raw text of `name` that starts at `from` ends: its "</name" followed by a space,
// '/' or '>' (case-insensitive), or the end of the input.
size_t raw_text_end(std::string_view s, size_t from, std::string_view name) {
  for (size_t i = s.find("</", from); i != std::string_view::npos; i = s.find("</", i + 2)) {
    size_t k = 0;
    while (k < name.size() && i + 2 + k < s.size() && lower(s[i + 2 + k]) == name[k]) ++k;
    size_t after = i + 2 + k;
    if (k == name.size() && (after >= s.size() || is_space(s[after]) || s[after] == '/' || s[after] == '>')) {
      return i;
    }
  }
  return s.size();
}

// The open elements as the model sees them. Every question the tree builder asks of them ("is
// X in scope", "is a special element above X") is answered in O(1) from position stacks kept
// per name and per category, so the model stays linear however deep the document.
class OpenElements {
 public:
  struct Entry {
    std::string name;
    unsigned flags;
    bool foreign;      // SVG or MathML
    bool holds_html;   // an integration point: its children are HTML again
  };
  size_t depth() const { return stack_.size(); }
  // The children of the current node are SVG or MathML.
  bool in_foreign_content() const { return !stack_.empty() && stack_.back().foreign && !stack_.back().holds_html; }
  bool top_is(std::string_view name) const { return !stack_.empty() && stack_.back().name == name; }
  void push(std::string name, bool foreign = false, bool holds_html = false) {
    unsigned flags = element_flags(name);
    size_t at = stack_.size();
    by_name_[name].push_back(at);
    for (int b = 0; b < kFlagCount; ++b) {
      if (flags & (1u << b)) by_flag_[b].push_back(at);
    }
    stack_.push_back({std::move(name), flags, foreign, holds_html});
  }
  Entry pop() {
    Entry e = std::move(stack_.back());
    stack_.pop_back();
    by_name_[e.name].pop_back();
    for (int b = 0; b < kFlagCount; ++b) {
      if (e.flags & (1u << b)) by_flag_[b].pop_back();
    }
    return e;
  }
  // Pops down to and including the topmost `name` (which must be open).
  void pop_to(const std::string& name) {
    while (pop().name != name) {
    }
  }
  // Position of the topmost open `name`, or -1.
  long topmost(const std::string& name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() || it->second.empty() ? -1 : static_cast<long>(it->second.back());
  }
  // Position of the topmost open element with `flag`, or -1.
  long topmost_with(ElementFlag flag) const {
    int b = __builtin_ctz(flag);
    return by_flag_[b].empty() ? -1 : static_cast<long>(by_flag_[b].back());
  }
  // "Has an element in scope": `name` is open with no boundary of the scope above it.
  bool in_scope(const std::string& name, ElementFlag boundary) const {
    long at = topmost(name);
    return at >= 0 && topmost_with(boundary) <= at;
  }
  // `name` is open with no element of category `flag` above it.
  bool open_below(const std::string& name, ElementFlag flag) const {
    long at = topmost(name);
    return at >= 0 && topmost_with(flag) <= at;
  }

 private:
  std::vector<Entry> stack_;
  std::unordered_map<std::string, std::vector<size_t>> by_name_;
  std::vector<size_t> by_flag_[kFlagCount];
};

// What gumbo closes before inserting the start tag `name`; false when gumbo drops the tag.
bool close_implied(OpenElements& open, const std::string& name) {
  // In a select, <select> closes it (and is dropped); <input>, <keygen>, <textarea> close it.
  if (one_of(name, {"select", "input", "keygen", "textarea"}) && open.in_scope("select", kSelectScopeBoundary)) {
    open.pop_to("select");
    return name != "select";
  }
  if (closes_p(name) && open.in_scope("p", kButtonScopeBoundary)) open.pop_to("p");
  // <li> closes the open li unless a special element (other than address, div, p) is above it.
  if (name == "li" && open.open_below("li", kSpecialForLists)) open.pop_to("li");
  if (name == "dd" || name == "dt") {
    long dd = open.topmost("dd"), dt = open.topmost("dt");
    const char* item = dd > dt ? "dd" : "dt";
    if (std::max(dd, dt) >= 0 && open.open_below(item, kSpecialForLists)) open.pop_to(item);
  }
  if ((name == "option" || name == "optgroup") && open.top_is("option")) open.pop();
  bool row_part = one_of(name, {"td", "th", "tr", "tbody", "thead", "tfoot"});
  if (row_part && (open.top_is("td") || open.top_is("th"))) open.pop();
  if (one_of(name, {"tr", "tbody", "thead", "tfoot"}) && open.top_is("tr")) open.pop();
  if (one_of(name, {"tbody", "thead", "tfoot"}) &&
      (open.top_is("tbody") || open.top_is("thead") || open.top_is("tfoot"))) {
    open.pop();
  }
  return true;
}

// What gumbo closes for the end tag `name`.
void close_for_end_tag(OpenElements& open, const std::string& name) {
  auto close_if = [&](bool condition) {
    if (condition) open.pop_to(name);
  };
  // </body> and </html> only change the insertion mode; elements stay open.
  if (name == "body" || name == "html") return;
  // </form> takes the form out of the stack without closing what is above it.
  if (name == "form") return close_if(open.top_is("form"));
  if (name == "p") return close_if(open.in_scope("p", kButtonScopeBoundary));
  if (name == "select") return close_if(open.in_scope("select", kSelectScopeBoundary));
  if (name == "li") return close_if(open.in_scope("li", kListScopeBoundary));
  if (one_of(name, {"table", "caption", "tbody", "thead", "tfoot", "tr", "td", "th"})) {
    return close_if(open.in_scope(name, kTableScopeBoundary));
  }
  if (element_flags(name) & kSpecial) return close_if(open.in_scope(name, kScopeBoundary));
  // Any other element (formatting ones too) closes only when no special element is above it.
  close_if(open.open_below(name, kSpecial));
}

// ---- gumbo with tracked allocations and a CPU budget ------------------------------------------

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Every block gumbo allocates, linked so all can be freed in one loop (gumbo's own destroy
// recurses once per level of the tree).
class TrackedHeap {
 public:
  enum Escape { kOverBudget = 1, kOutOfMemory = 2 };
  explicit TrackedHeap(double budget_seconds) : deadline_(thread_cpu_seconds() + budget_seconds) {}
  ~TrackedHeap() {
    while (head_) {
      Block* next = head_->next;
      std::free(head_);
      head_ = next;
    }
  }
  std::jmp_buf escape;

  static void* allocate(void* self, size_t size) { return static_cast<TrackedHeap*>(self)->alloc(size); }
  static void deallocate(void* self, void* p) { static_cast<TrackedHeap*>(self)->release(p); }

 private:
  struct alignas(16) Block {
    Block* prev;
    Block* next;
  };
  void* alloc(size_t size) {
    // Checked every 1024 allocations: gumbo allocates for every tag it builds.
    if ((++allocations_ & 1023) == 0 && thread_cpu_seconds() > deadline_) {
      std::longjmp(escape, kOverBudget);
    }
    auto* b = static_cast<Block*>(std::malloc(sizeof(Block) + size));
    if (!b) std::longjmp(escape, kOutOfMemory);
    b->prev = nullptr;
    b->next = head_;
    if (head_) head_->prev = b;
    head_ = b;
    return b + 1;
  }
  void release(void* p) {
    if (!p) return;
    Block* b = static_cast<Block*>(p) - 1;
    if (b->prev) b->prev->next = b->next;
    else head_ = b->next;
    if (b->next) b->next->prev = b->prev;
    std::free(b);
  }
  Block* head_ = nullptr;
  size_t allocations_ = 0;
  double deadline_;
};

// Runs gumbo; nullptr when the budget ran out or memory did (`why` says which). Kept free of
// C++ objects with destructors, as longjmp leaves through it.
GumboOutput* parse_tracked(TrackedHeap& heap, const GumboOptions* options, const char* data, size_t size,
                           int* why) {
  int code = setjmp(heap.escape);
  if (code != 0) {
    *why = code;
    return nullptr;
  }
  return gumbo_parse_with_options(options, data, size);
}

bool skipped_tag(GumboTag tag) {
  return tag == GUMBO_TAG_SCRIPT || tag == GUMBO_TAG_STYLE || tag == GUMBO_TAG_NOSCRIPT ||
         tag == GUMBO_TAG_TEMPLATE || tag == GUMBO_TAG_SVG;
}

bool block_tag(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BR: case GUMBO_TAG_LI: case GUMBO_TAG_TR:
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
    case GUMBO_TAG_H6: case GUMBO_TAG_TITLE: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_TABLE: case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
      return true;
    default:
      return false;
  }
}

// Depth-first text of the tree with an explicit stack (no recursion).
std::string visible_text(const GumboNode* root) {
  std::string out;
  struct Frame {
    const GumboNode* node;
    unsigned next_child;
  };
  std::vector<Frame> stack;
  auto enter = [&](const GumboNode* node) {
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE) {
      out += node->v.text.text;
      return;
    }
    if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_DOCUMENT) return;
    if (node->type == GUMBO_NODE_ELEMENT) {
      if (skipped_tag(node->v.element.tag)) return;
      if (block_tag(node->v.element.tag)) out += '\n';
    }
    stack.push_back({node, 0});
  };
  enter(root);
  while (!stack.empty()) {
    Frame& f = stack.back();
    const GumboVector& children =
        f.node->type == GUMBO_NODE_DOCUMENT ? f.node->v.document.children : f.node->v.element.children;
    if (f.next_child < children.length) {
      enter(static_cast<const GumboNode*>(children.data[f.next_child++]));
      continue;
    }
    const GumboNode* done = f.node;
    stack.pop_back();
    if (done->type != GUMBO_NODE_ELEMENT) continue;
    GumboTag tag = done->v.element.tag;
    if (block_tag(tag)) out += '\n';
    if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) out += ' ';
  }
  return out;
}

}  // namespace

std::string flatten_deep_html(std::string_view s, int max_depth) {
  std::string out;
  out.reserve(s.size());
  OpenElements open;
  TagToken tag;
  size_t i = 0;
  while (i < s.size()) {
    size_t lt = s.find('<', i);
    if (lt == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, lt - i));
    i = lt;
    // Comments, doctypes and processing instructions are copied as they are.
    if (s.compare(i, 4, "<!--") == 0) {
      size_t end = comment_end(s, i);
      out.append(s.substr(i, end - i));
      i = end;
      continue;
    }
    if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '?')) {
      size_t close = s.find('>', i + 2);
      size_t end = close == std::string_view::npos ? s.size() : close + 1;
      out.append(s.substr(i, end - i));
      i = end;
      continue;
    }
    if (!scan_tag(s, i, tag)) {
      out += '<';
      ++i;
      continue;
    }
    std::string_view text = s.substr(tag.begin, tag.end - tag.begin);
    i = tag.end;
    // The model follows exactly what gumbo will see: tags taken out are not modelled.
    if (tag.is_end) {
      close_for_end_tag(open, tag.name);
      out.append(text);
      continue;
    }
    // Inside SVG and MathML, elements nest as written (no implied end tags, no raw text, no
    // void elements) until an HTML tag breaks out or an integration point holds HTML again.
    bool foreign = tag.name == "svg" || tag.name == "math";
    bool breaks_out = false;
    if (!foreign && open.in_foreign_content()) {
      breaks_out = breaks_out_of_foreign(tag);
      foreign = !breaks_out;
    }
    bool raw = !foreign && is_raw_text(tag.name);
    bool nests = foreign || !is_void(tag.name);
    // Too deep: the tag is taken out (a space keeps words apart). Raw-text elements stay, or
    // their content (a script) would become text; they hold no markup, so add one level at most.
    if (nests && !raw && static_cast<int>(open.depth()) >= max_depth) {
      out += ' ';
      continue;
    }
    if (breaks_out) {
      while (open.in_foreign_content()) open.pop();
    }
    bool holds_html = foreign && (one_of(tag.name, {"foreignobject", "desc", "title", "mi", "mo", "mn", "ms", "mtext"}) ||
                                  (tag.name == "annotation-xml" && is_html_annotation(tag)));
    out.append(text);
    if (!foreign && !close_implied(open, tag.name)) continue;  // gumbo drops the tag
    if (!foreign && tag.name == "plaintext") {  // the rest of the document is text
      out.append(s.substr(i));
      break;
    }
    if (nests) open.push(tag.name, foreign, holds_html);
    if (raw) {
      size_t end = raw_text_end(s, i, tag.name);
      out.append(s.substr(i, end - i));
      i = end;
    }
  }
  return out;
}

Result<std::string> html_to_text(std::string_view html, const HtmlLimits& limits) {
  if (html.size() > kMaxHtmlBytes) {
    return invalid_argument(fmt::format("is larger than {} MB of HTML; save it as text first", kMaxHtmlBytes >> 20));
  }
  std::string flat = flatten_deep_html(html, limits.max_depth);
  TrackedHeap heap(limits.cpu_seconds >= 0 ? limits.cpu_seconds : parse_budget_seconds(flat.size()));
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &TrackedHeap::allocate;
  options.deallocator = &TrackedHeap::deallocate;
  options.userdata = &heap;
  options.max_errors = 0;  // parse errors are not needed, and each one costs memory
  int why = 0;
  GumboOutput* out = parse_tracked(heap, &options, flat.data(), flat.size(), &why);
  if (!out) {
    return why == TrackedHeap::kOutOfMemory
               ? Status(ErrorCode::kResourceExhausted, "is too large to parse as HTML (out of memory)")
               : invalid_argument("is HTML too complex to parse (its markup nests pathologically)");
  }
  // The tree is freed with the heap; gumbo_destroy_output would recurse through it.
  return tidy_text(visible_text(out->document));
}

}  // namespace memgpt::sources
