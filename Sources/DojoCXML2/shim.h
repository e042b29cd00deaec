#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU, so libxml/encoding.h would include the system's
// <unicode/ucnv.h>, whose enums clash with Foundation's bundled ICU in the same Swift module
// graph. Swift never touches the ICU converter fields that this leaves out of
// xmlCharEncodingHandler, so the layout difference is unobservable here.
#undef LIBXML_ICU_ENABLED
#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
