#ifndef TEND_sdnotify_H
#define TEND_sdnotify_H
#endif
