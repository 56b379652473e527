#pragma once

#include "http/Request.h"
