#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call:
// one typed wrapper per argument kind.
static inline CURLcode dojo_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dojo_curl_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dojo_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dojo_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode dojo_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*dojo_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*dojo_curl_progress_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode dojo_curl_setopt_data_callback(CURL *h, CURLoption o, dojo_curl_data_callback cb) { return curl_easy_setopt(h, o, cb); }
static inline CURLcode dojo_curl_setopt_progress_callback(CURL *h, dojo_curl_progress_callback cb) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, cb); }

static inline CURLcode dojo_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode dojo_curl_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode dojo_curl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

// curl_global_init's flags are a macro expression Swift cannot import.
static inline CURLcode dojo_curl_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
static inline CURLcode dojo_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

// CURLOPT_OPENSOCKETFUNCTION: libcurl hands over the address it is about to connect to, after
// DNS resolution, for every new connection (redirect hops included). Dojo checks it there, so
// a DNS answer that changes between the check and the connect cannot slip past.
typedef curl_socket_t (*dojo_curl_opensocket_callback)(void *clientp, curlsocktype purpose, struct curl_sockaddr *address);
static inline CURLcode dojo_curl_setopt_opensocket_callback(CURL *h, dojo_curl_opensocket_callback cb) { return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, cb); }

// The IP address and port in a curl_sockaddr: copies 4 (IPv4) or 16 (IPv6) bytes into `ip`
// and returns that count, or 0 for any other family. `addr` is declared as a struct sockaddr
// but holds addrlen bytes, so it is read here in C rather than copied into Swift.
#include <netinet/in.h>
#include <string.h>
static inline int dojo_curl_sockaddr_ip(const struct curl_sockaddr *a, unsigned char ip[16], int *port) {
  if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)&a->addr;
    memcpy(ip, &in->sin_addr, 4);
    *port = ntohs(in->sin_port);
    return 4;
  }
  if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->addr;
    memcpy(ip, &in6->sin6_addr, 16);
    *port = ntohs(in6->sin6_port);
    return 16;
  }
  return 0;
}
