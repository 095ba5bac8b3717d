// word/document.xml -> text. pugixml parses and frees without recursion; the walk below keeps
// to the tree's own links (first child, next sibling, parent), so a document nested a million
// levels deep costs no stack and one visit per node.
#include <pugixml.hpp>

#include <cstring>

#include "sources/extract.h"

namespace memgpt::sources {

Result<std::string> docx_xml_to_text(std::string_view xml) {
  pugi::xml_document doc;
  // parse_ws_pcdata_single keeps a run that is only a space (<w:t xml:space="preserve"> </w:t>).
  auto parsed = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!parsed) return invalid_argument("has damaged XML");
  std::string text;
  pugi::xml_node node = doc.first_child();
  while (node) {
    const char* name = node.name();
    bool is_text = std::strcmp(name, "w:t") == 0;
    if (is_text) text += node.child_value();
    else if (std::strcmp(name, "w:tab") == 0) text += '\t';
    else if (std::strcmp(name, "w:br") == 0 || std::strcmp(name, "w:cr") == 0) text += '\n';
    if (!is_text && node.first_child()) {
      node = node.first_child();
      continue;
    }
    // Leave this node, and every ancestor whose children are all done, up to the next sibling.
    while (node) {
      if (std::strcmp(node.name(), "w:p") == 0) text += "\n\n";
      if (pugi::xml_node next = node.next_sibling()) {
        node = next;
        break;
      }
      node = node.parent();
      if (node == doc) node = pugi::xml_node();
    }
  }
  return tidy_text(text);
}

}  // namespace memgpt::sources
