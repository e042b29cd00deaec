internal import DojoCXML2
internal import Foundation

/// A parsed HTML document as plain Swift values, so that the Markdown renderer never touches
/// libxml2's pointers and the C document is freed as soon as it has been copied.
indirect enum HTMLNode: Sendable {
  case element(HTMLElement)
  case text(String)
}

struct HTMLElement: Sendable {
  /// The lowercase tag name.
  var name: String
  /// Attributes by lowercase name, entities decoded.
  var attributes: [String: String]
  var children: [HTMLNode]

  subscript(attribute: String) -> String? { attributes[attribute] }
}

enum HTMLParser {
  /// libxml2's global state is set up once, before any thread parses.
  private static let initialized: Bool = {
    xmlInitParser()
    return true
  }()

  /// Parses HTML leniently (libxml2 recovers from unclosed and stray tags), without network
  /// access and without printing errors; comments and processing instructions are dropped.
  static func parse(_ html: Data) -> HTMLElement? {
    _ = initialized
    // Without a declared charset libxml2 assumes Latin-1; the web (and Kaggle) is UTF-8.
    let head = html.prefix(4096)
    let declaresCharset =
      String(decoding: head, as: UTF8.self).range(of: "charset", options: .caseInsensitive)
      != nil
    let options = Int32(
      HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue | HTML_PARSE_NONET.rawValue
        | HTML_PARSE_RECOVER.rawValue)
    let doc: htmlDocPtr? = html.withUnsafeBytes { bytes in
      guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
      return htmlReadMemory(
        base.assumingMemoryBound(to: CChar.self), Int32(clamping: bytes.count), nil,
        declaresCharset ? nil : "UTF-8", options)
    }
    guard let doc else { return nil }
    defer { xmlFreeDoc(doc) }
    guard let root = xmlDocGetRootElement(doc) else { return nil }
    guard case .element(let element)? = convert(root) else { return nil }
    return element
  }

  private static func convert(_ node: xmlNodePtr) -> HTMLNode? {
    switch node.pointee.type {
    case XML_ELEMENT_NODE:
      let name = node.pointee.name.map { String(cString: $0).lowercased() } ?? ""
      var attributes: [String: String] = [:]
      var attribute = node.pointee.properties
      while let a = attribute {
        if let attrName = a.pointee.name {
          attributes[String(cString: attrName).lowercased()] = text(of: a.pointee.children)
        }
        attribute = a.pointee.next
      }
      var children: [HTMLNode] = []
      var child = node.pointee.children
      while let c = child {
        if let converted = convert(c) { children.append(converted) }
        child = c.pointee.next
      }
      return .element(HTMLElement(name: name, attributes: attributes, children: children))
    case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
      return node.pointee.content.map { .text(String(cString: $0)) }
    default:
      return nil
    }
  }

  /// The concatenated text of a node list (an attribute's value).
  private static func text(of first: xmlNodePtr?) -> String {
    var out = ""
    var node = first
    while let n = node {
      if let content = n.pointee.content { out += String(cString: content) }
      node = n.pointee.next
    }
    return out
  }
}
