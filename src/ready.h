#ifndef TEND_ready_H
#define TEND_ready_H
#endif
