#pragma once

#include "auth/Token.h"
